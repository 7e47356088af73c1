"""The payment provider behind an adapter: account inquiry, transfer, status, settlement report.

Shaped on Bank Indonesia's SNAP open-API standard (../shared/architecture.md): the business
idempotency key is our payout's id (`partnerReferenceNo`), response codes are 7 characters
(HTTP status + service + case), and after a timeout or a 5xx only a status inquiry may settle
what happened. The sandbox (`sandbox.py`) is the default everywhere; `snap.py` speaks HTTP.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class PayoutChannel(models.TextChoices):
    OVO = "ovo", "OVO"
    GOPAY = "gopay", "GoPay"
    DANA = "dana", "DANA"
    LINKAJA = "linkaja", "LinkAja"
    SHOPEEPAY = "shopeepay", "ShopeePay"
    BNI = "bni", "BNI"
    BRI = "bri", "BRI"
    MANDIRI = "mandiri", "Bank Mandiri"
    BCA = "bca", "BCA"


EWALLETS = frozenset(
    {PayoutChannel.OVO, PayoutChannel.GOPAY, PayoutChannel.DANA, PayoutChannel.LINKAJA, PayoutChannel.SHOPEEPAY}
)


def is_ewallet(channel: str) -> bool:
    return channel in EWALLETS


def mask_account_number(number: str) -> str:
    """All but the last four digits hidden: ******6789."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


class Outcome(StrEnum):
    SUCCESS = "success"  # the money reached the account
    FAILED = "failed"  # terminal: nothing was sent, and resending under this key never will
    PENDING = "pending"  # accepted, still in progress
    UNKNOWN = "unknown"  # timeout, 5xx or a conflict: only a status inquiry can tell
    NOT_FOUND = "not_found"  # status inquiry: the provider never received this reference
    REVERSED = "reversed"  # sent, then returned by the receiving bank


# Terminal failures (SNAP-style codes) and what they mean to the participant.
FAILURE_REASONS = {
    "4041811": _("The account number is not valid."),
    "4031818": _("The account is closed or not active."),
    "4031819": _("The account holder's name does not match."),
    "4031802": _("The account cannot receive this amount (limit exceeded)."),
}
SUCCESS_CODE = "2001800"
PENDING_CODE = "2021800"
TIMEOUT_CODE = "5041800"
SERVER_ERROR_CODE = "5001801"
CONFLICT_CODE = "4091800"


def failure_reason(code: str) -> str:
    return str(FAILURE_REASONS.get(code, _("The transfer was refused by the bank or e-wallet.")))


@dataclass(frozen=True)
class Inquiry:
    found: bool
    holder_name: str = ""
    code: str = ""


@dataclass(frozen=True)
class TransferOrder:
    reference: str  # our payout id: the provider's idempotency key
    channel: str
    account_number: str
    amount: int  # rupiah


@dataclass(frozen=True)
class TransferResult:
    reference: str
    outcome: Outcome
    code: str = ""


@dataclass(frozen=True)
class SettlementLine:
    reference: str
    amount: int
    outcome: Outcome  # SUCCESS or REVERSED
    at: dt.datetime


class PaymentProvider(Protocol):
    def account_inquiry(self, *, channel: str, account_number: str) -> Inquiry: ...

    def transfer_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        """One result per order, in order. Never raises for one order's trouble: a timeout or
        a 5xx is that order's UNKNOWN."""
        ...

    def status_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        """What became of each order, asked by its reference on its channel's status service
        (bank transfer or e-wallet top-up): a provider knows a top-up only on the e-wallet one."""
        ...

    def settlement_report(self, *, day: dt.date) -> list[SettlementLine]: ...


def payment_provider() -> PaymentProvider:
    provider: PaymentProvider = import_string(settings.PAYMENT_PROVIDER)()
    return provider
