from prakerja.core.errors import DomainError


class CurationError(DomainError):
    """A course or institution change refused by a curation rule; `problems` lists every rule
    broken, so the submitter can fix them all at once. The partner API answers it as
    `listing_refused` (a platform's listing is what it submits)."""

    code = "listing_refused"
    status = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), problems=problems)


class CourseError(DomainError):
    """A redeem-code or course action refused."""


class OwnershipError(DomainError):
    """An owner of a platform or institution refused: not identified, or shares above 100%."""

    code = "ownership_refused"
    status = 422
