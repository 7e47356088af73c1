"""What a participant's incentive panel shows: the next step, the account, each instalment's state
(the words come from applicants.incentives.notices)."""

from dataclasses import dataclass
from typing import Any

from applicants.disbursement.lifecycle import IN_FLIGHT
from applicants.disbursement.models import Payout, PayoutStatus
from applicants.holds.models import Hold, HoldKind
from applicants.incentives.models import (
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    PayoutAccount,
    PayoutAccountStatus,
)
from applicants.incentives.notices import instalment_words
from applicants.incentives.services.entitlements import survey_next
from applicants.models import Card


@dataclass(frozen=True)
class InstalmentRow:
    instalment: Instalment
    state: str  # for styling and tests
    words: str
    action: bool = False  # the participant should change the account


def instalment_state(instalment: Instalment, payout: Payout | None, *, in_review: bool = False) -> tuple[str, bool]:
    """Where an instalment stands for its participant, given its latest payout: paid, returned,
    scheduled, sending, failed, reversed, in review (held before payout) or due; and whether
    they should change the account."""
    if instalment.status == InstalmentStatus.PAID and payout is not None:
        return "paid", False
    if instalment.status == InstalmentStatus.RETURNED:
        return "returned", False
    if instalment.status == InstalmentStatus.SCHEDULED:
        return "scheduled", False
    if payout is not None and payout.status in IN_FLIGHT:
        return "sending", False
    if in_review:
        return "review", False
    if instalment.held_reason:
        return "failed", True
    if payout is not None and payout.status == PayoutStatus.REVERSED:
        return "reversed", True
    return "due", False


def _row(instalment: Instalment, payout: Payout | None, in_review: bool) -> InstalmentRow:
    state, action = instalment_state(instalment, payout, in_review=in_review)
    return InstalmentRow(instalment, state, instalment_words(state, instalment, payout), action)


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
    # A registry hit before payout: the participant is told only that the payment is reviewed.
    payment_held = Hold.objects.open().filter(applicant_id=card.applicant_id, kind=HoldKind.REGISTRY).exists()
    rows = [_row(i, latest.get(i.pk), payment_held) for i in instalments]
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
        "in_review": payment_held,
    }
