"""The purchase flow's refusals (one class, stable codes; `partners.api.errors.ERROR_CODES`
lists every code the API answers)."""

from prakerja.core.errors import DomainError


class PurchaseError(DomainError):
    """A refused purchase action. `code` is stable for API clients; `message` is for people."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message, code=code, status=status)
