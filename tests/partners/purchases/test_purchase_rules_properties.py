"""Property (issue 20): whatever two platforms and the participant do, in whatever order —
propose, confirm, cancel, start the training, complete — a card never holds two unfinished
paid courses, and its money and first-purchase mark always agree with its purchases."""

import contextlib
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applicants.models import Card, OtpPurpose
from applicants.registration.services.otp import detached_code
from courses.services.redemption import RedeemCodeRefused, redeem_code_commit
from partners.models import Listing, Partner, PlatformAccountBinding, Purchase, PurchaseStatus
from partners.purchases.errors import PurchaseError
from partners.purchases.services.purchases import purchase_cancel, purchase_complete, purchase_confirm, purchase_create
from prakerja.ledger.models import LedgerAccount
from prakerja.ledger.selectors import ledger_check
from tests.factories import ListingFactory, PartnerFactory

pytestmark = pytest.mark.django_db

BALANCE = 3_500_000
PRICES = [400_000, 900_000, 1_500_000]
# Proposals and confirmations come more often than the rest, so that plans reach paid courses.
ACTIONS = ["create", "create", "confirm", "confirm", "cancel", "start", "complete"]


@dataclass(frozen=True)
class Step:
    action: str
    platform: int  # which platform proposes (create)
    account: int  # which of its accounts buys (create)
    listing: int  # which listing (create)
    target: int  # which purchase so far (the other actions)


steps = st.lists(
    st.builds(
        Step,
        action=st.sampled_from(ACTIONS),
        platform=st.integers(0, 1),
        account=st.integers(0, 1),
        listing=st.integers(0, len(PRICES) - 1),
        target=st.integers(0, 2),
    ),
    min_size=6,
    max_size=14,
)


@pytest.fixture
def market(settings) -> list[tuple[Partner, list[Listing]]]:
    """Two platforms, each listing three courses of different prices."""
    settings.PURCHASE_OPEN_PER_CARD = settings.PURCHASES_PER_CARD_PER_DAY = 100
    platforms = []
    for name in ("Pijar Mahir", "Sekolahmu"):
        partner = PartnerFactory.create(name=name)
        listings = [
            ListingFactory.create(partner=partner, course__price=p, course__outside_price=p, price=p) for p in PRICES
        ]
        platforms.append((partner, listings))
    return platforms


def _run(step: Step, card: Card, market, purchases: list[Purchase]) -> None:
    if step.action == "create":
        partner, listings = market[step.platform]
        purchases.append(
            purchase_create(
                partner=partner,
                card_number=card.number,
                platform_account=f"akun-{step.account}",
                listing_id=listings[step.listing].pk,
            )
        )
        return
    if not purchases:
        return
    purchase = Purchase.objects.select_related("partner", "redeem_code", "course").get(
        pk=purchases[step.target % len(purchases)].pk
    )
    if step.action == "confirm":
        code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
        Purchase.objects.filter(pk=purchase.pk).update(otp_hash=code_hash)
        purchase_confirm(purchase_id=str(purchase.pk), otp=code, partner=purchase.partner)
    elif step.action == "cancel":
        purchase_cancel(purchase_id=str(purchase.pk), partner=purchase.partner)
    elif step.action == "start" and purchase.redeem_code is not None:
        redeem_code_commit(code=purchase.redeem_code.code, institution_id=purchase.course.institution_id)
    elif step.action == "complete":
        purchase_complete(
            purchase_id=str(purchase.pk),
            partner=purchase.partner,
            certificate_number=f"S-{purchase.pk}",
            certificate_url="https://platform.example.id/s.pdf",
            completed_at=timezone.now(),
        )


def _check(card: Card) -> None:
    rows = list(Purchase.objects.filter(card=card).values("status", "price", "partner_id", "confirmed_at"))
    unfinished = [r for r in rows if r["status"] == PurchaseStatus.PAID]
    standing = [r for r in rows if r["status"] in (PurchaseStatus.PAID, PurchaseStatus.COMPLETED)]
    # Never two unfinished courses
    assert len(unfinished) <= 1, rows
    # The balance pays exactly the purchases that stand (cancelled ones were refunded)
    balance = LedgerAccount.objects.get(pk=card.account_id).balance
    assert balance == BALANCE - sum(r["price"] for r in standing)
    # The first-purchase mark is set exactly while a purchase stands (so revocation sees the truth)
    first = Card.objects.values_list("first_purchase_at", flat=True).get(pk=card.pk)
    assert (first is not None) == bool(standing)
    if standing:
        assert first == min(r["confirmed_at"] for r in standing if r["confirmed_at"] is not None)
    # One account per card and platform
    assert PlatformAccountBinding.objects.filter(card=card).count() <= len({r["partner_id"] for r in rows})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_no_sequence_of_actions_leaves_two_unfinished_courses_on_a_card(participant_card, market, plan) -> None:
    with transaction.atomic():
        # Given a card with Rp3,500,000 and two platforms selling three courses each
        purchases: list[Purchase] = []
        # When the generated actions run, refused ones included
        for step in plan:
            with contextlib.suppress(PurchaseError, RedeemCodeRefused):  # refused steps are part of the plan
                _run(step, participant_card, market, purchases)  # each service has its own transaction
            # Then after every step the rules hold
            _check(participant_card)
        assert ledger_check().ok
        transaction.set_rollback(True)
