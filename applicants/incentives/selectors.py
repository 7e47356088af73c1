"""Participant pages for incentives: the dashboard panel, linking a payout account, surveys."""

from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from applicants.disbursement.models import Payout, PayoutStatus
from applicants.incentives.models import (
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    PayoutAccount,
    PayoutAccountStatus,
)
from applicants.incentives.services.entitlements import survey_next
from applicants.models import Card
from prakerja.payments.providers import PayoutChannel, failure_reason, mask_account_number

SENDING = (PayoutStatus.CREATED, PayoutStatus.PENDING, PayoutStatus.UNKNOWN)


@dataclass(frozen=True)
class InstalmentRow:
    instalment: Instalment
    state: str  # for styling and tests
    words: str
    action: bool = False  # the participant should change the account


def _row(instalment: Instalment, payout: Payout | None) -> InstalmentRow:
    day = formats.date_format(instalment.due_on, "j F Y")
    if instalment.status == InstalmentStatus.PAID and payout is not None:
        paid_at = payout.settled_at or instalment.paid_at
        paid = formats.date_format(paid_at, "j F Y") if paid_at else ""
        words = _("Paid on %(day)s to %(account)s.") % {"day": paid, "account": _account_words(payout)}
        return InstalmentRow(instalment, "paid", words)
    if instalment.status == InstalmentStatus.RETURNED:
        return InstalmentRow(instalment, "returned", _("Not paid: the programme's payment deadline has passed."))
    if instalment.status == InstalmentStatus.SCHEDULED:
        return InstalmentRow(instalment, "scheduled", _("Scheduled for %(day)s.") % {"day": day})
    if payout is not None and payout.status in SENDING:
        words = _("Being transferred to %(account)s. Transfers take 3 to 5 working days.") % {
            "account": _account_words(payout)
        }
        return InstalmentRow(instalment, "sending", words)
    if instalment.held_reason:
        # The reason from the provider's code, in the page's language (the stored text is in the
        # language of the worker that recorded it).
        reason = (
            failure_reason(payout.response_code)
            if payout is not None and payout.status == PayoutStatus.FAILED
            else instalment.held_reason
        )
        words = _("The transfer failed: %(reason)s Change your account and we will send it again.") % {"reason": reason}
        return InstalmentRow(instalment, "failed", words, action=True)
    if payout is not None and payout.status == PayoutStatus.REVERSED:
        words = _("The bank returned the transfer. We will send it again; check that your account is still open.")
        return InstalmentRow(instalment, "reversed", words, action=True)
    return InstalmentRow(instalment, "due", _("Due: it will be sent in the next transfer run."))


def _account_words(payout: Payout) -> str:
    return f"{PayoutChannel(payout.channel).label} {mask_account_number(payout.account_number)}"


def incentive_overview(card: Card) -> dict[str, Any]:
    """What the participant sees about incentives: the next step, the account, each instalment."""
    entitlement = Entitlement.objects.filter(card=card).first()
    accounts = list(
        PayoutAccount.objects.filter(
            applicant_id=card.applicant_id,
            status__in=[PayoutAccountStatus.ACTIVE, PayoutAccountStatus.AWAITING_REVIEW],
        )
    )
    active = next((a for a in accounts if a.status == PayoutAccountStatus.ACTIVE), None)
    in_review = next((a for a in accounts if a.status == PayoutAccountStatus.AWAITING_REVIEW), None)
    instalments = list(Instalment.objects.filter(card=card).order_by("kind", "number"))
    latest: dict[int, Payout] = {}
    for payout in Payout.objects.filter(instalment__in=instalments).order_by("id"):
        latest[payout.instalment_id] = payout
    rows = [_row(i, latest.get(i.pk)) for i in instalments]
    if entitlement is None or entitlement.completed_at is None:
        step = "complete"
    elif entitlement.reviewed_at is None:
        step = "review"
    elif active is None:
        step = "review_account" if in_review else "account"
    else:
        step = "scheduled"
    return {
        "step": step,
        "account": active,
        "account_in_review": in_review,
        "post_training": [r for r in rows if r.instalment.kind == InstalmentKind.POST_TRAINING],
        "surveys": [r for r in rows if r.instalment.kind == InstalmentKind.SURVEY],
        "survey": survey_next(card=card),
        "needs_new_account": any(r.action for r in rows),
    }
