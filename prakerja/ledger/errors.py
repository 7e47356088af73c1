from django.utils.translation import gettext_lazy as _


class LedgerError(Exception):
    message = _("The ledger refused this posting.")

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else str(self.message)


class UnbalancedPosting(LedgerError):
    message = _("A posting needs at least two non-zero entries that sum to zero.")


class InsufficientBalance(LedgerError):
    message = _("Insufficient balance.")

    def __init__(self, account_ids: list[int]) -> None:
        super().__init__(str(self.message))
        self.account_ids = account_ids


class IdempotencyConflict(LedgerError):
    message = _("This idempotency key was already used for a different posting.")
