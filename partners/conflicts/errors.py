from prakerja.core.errors import DomainError


class DisclosureError(DomainError):
    """A curator's approval of an affiliated listing refused (no disclosure, nothing to disclose)."""

    code = "disclosure_required"
    status = 422
