from django.utils.translation import gettext_lazy as _

from prakerja.core.errors import DomainError


class LedgerError(DomainError):
    default_message = _("The ledger refused this posting.")


class UnbalancedPosting(LedgerError):
    default_message = _("A posting needs at least two non-zero entries that sum to zero.")


class InsufficientBalance(LedgerError):
    default_message = _("Insufficient balance.")
    code = "insufficient_balance"
    status = 422

    def __init__(self, account_ids: list[int]) -> None:
        super().__init__()
        self.account_ids = account_ids


class IdempotencyConflict(LedgerError):
    default_message = _("This idempotency key was already used for a different posting.")
