"""A card buys only while it may (issue 20, "Tests"): not past its first-purchase deadline
without a purchase, not when revoked or closed, not when the deadline passes between the
platform's proposal and the participant's confirmation (and then no money moves); and
buying then cancelling does not keep a card out of revocation."""

import datetime as dt

import pytest
from django.utils import timezone

from applicants.models import Card, CardStatus
from applicants.waves.services.cards import cards_revoke_due
from courses.models import RedeemCode
from partners.models import Purchase, PurchaseStatus
from prakerja.audit.models import AuditEvent
from prakerja.ledger.models import AccountKind, LedgerAccount, Posting
from prakerja.ledger.selectors import account_balance, ledger_check
from tests.courses.training import finished
from tests.factories import PartnerFactory
from tests.partners.api import SignedClient
from tests.partners.purchases.test_purchase_rules import bought, confirm, create, listing_of

pytestmark = pytest.mark.django_db

BALANCE = 3_500_000
PRICE = 500_000


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create(name="Pijar Mahir"))


def balance_of(card: Card) -> int:
    return LedgerAccount.objects.get(pk=card.account_id).balance


def treasury_balance() -> int:
    treasury = LedgerAccount.objects.filter(kind=AccountKind.TREASURY).first()
    return account_balance(account=treasury) if treasury else 0


def past_deadline(card: Card) -> None:
    Card.objects.filter(pk=card.pk).update(purchase_deadline=timezone.now() - dt.timedelta(minutes=1))


def set_status(card: Card, status: str) -> None:
    Card.objects.filter(pk=card.pk).update(status=status)


def refused_as_not_usable(response) -> None:
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "card_not_usable"


def test_a_card_past_its_deadline_without_a_purchase_cannot_buy(api, participant_card):
    # Given a card whose first-purchase deadline passed without a purchase (revoked tonight)
    past_deadline(participant_card)

    # When a platform proposes a course
    response = create(api, participant_card, listing_of(api))

    # Then the card is not usable, and nothing was created
    refused_as_not_usable(response)
    assert not Purchase.objects.exists()


def test_a_card_that_bought_before_its_deadline_still_buys_after_it(api, participant_card):
    # Given a card whose first course was bought in time and completed, and whose deadline passed
    first = bought(api, participant_card, listing_of(api))
    finished(first)
    past_deadline(participant_card)

    # When it buys its next course
    response = create(api, participant_card, listing_of(api))

    # Then that is accepted: the deadline is for the first purchase only
    assert response.status_code == 201, response.json()
    assert confirm(api, response.json()["id"]).status_code == 200


def test_a_deadline_passing_between_proposal_and_confirmation_refuses_and_moves_no_money(api, participant_card):
    # Given a course proposed before the deadline, and the deadline passing before the code is typed
    created = create(api, participant_card, listing_of(api, PRICE))
    assert created.status_code == 201, created.json()
    past_deadline(participant_card)
    postings = Posting.objects.count()

    # When the participant confirms with the right code
    response = confirm(api, created.json()["id"])

    # Then it is refused, and no money moved: no posting, the balance whole, no redeem code,
    # the card still without a first purchase (the revocation takes it tonight)
    refused_as_not_usable(response)
    assert Posting.objects.count() == postings
    assert not Posting.objects.filter(idempotency_key=f"purchase:{created.json()['id']}").exists()
    assert balance_of(participant_card) == BALANCE
    assert not RedeemCode.objects.exists()
    assert Card.objects.get(pk=participant_card.pk).first_purchase_at is None
    assert Purchase.objects.get(pk=created.json()["id"]).status == PurchaseStatus.AWAITING_CONFIRMATION
    assert ledger_check().ok


@pytest.mark.parametrize("status", [CardStatus.REVOKED, CardStatus.CLOSED])
def test_a_revoked_or_closed_card_cannot_buy(api, participant_card, status):
    # Given a card revoked (no course in time) or closed (the programme year ended)
    set_status(participant_card, status)

    # When a platform proposes a course
    response = create(api, participant_card, listing_of(api))

    # Then the card is not usable
    refused_as_not_usable(response)
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("status", [CardStatus.REVOKED, CardStatus.CLOSED])
def test_a_card_revoked_or_closed_before_confirmation_pays_nothing(api, participant_card, status):
    # Given a course proposed, then the card revoked or closed before the code is typed
    created = create(api, participant_card, listing_of(api)).json()["id"]
    set_status(participant_card, status)

    # When the participant confirms
    response = confirm(api, created)

    # Then it is refused and no money moved
    refused_as_not_usable(response)
    assert not Posting.objects.filter(idempotency_key=f"purchase:{created}").exists()
    assert balance_of(participant_card) == BALANCE


def test_an_unknown_card_is_answered_like_an_unusable_one(api, participant_card):
    # When a platform sends a card number nobody holds
    response = api.post(
        "/api/v1/purchases/",
        {"card_number": "5380000000000000", "platform_account_id": "akun-1", "listing": listing_of(api).pk},
    )

    # Then the answer is the same as for an unusable card: the platform learns nothing more
    refused_as_not_usable(response)


# Buying, then cancelling, before the deadline


def test_buying_then_cancelling_the_only_purchase_does_not_escape_revocation(api, participant_card):
    # Given a card whose only purchase was paid, then cancelled before the training (refunded)
    purchase = bought(api, participant_card, listing_of(api, PRICE))
    assert Card.objects.get(pk=participant_card.pk).first_purchase_at is not None
    assert api.post(f"/api/v1/purchases/{purchase}/cancel/").json()["status"] == "cancelled"
    before = treasury_balance()

    # When the revocation sweep runs at the deadline
    revoked = cards_revoke_due(now=participant_card.purchase_deadline)

    # Then the card is revoked like one that never bought, its whole balance back in the treasury
    card = Card.objects.get(pk=participant_card.pk)
    assert (revoked, card.status, card.first_purchase_at) == (1, CardStatus.REVOKED, None)
    assert balance_of(card) == 0
    assert treasury_balance() == before + BALANCE
    assert AuditEvent.objects.filter(action="card.first_purchase_reset", payload__card=card.pk).exists()
    assert ledger_check().ok


def test_a_card_whose_purchase_stands_is_not_revoked(api, participant_card):
    # Given a card whose first purchase is paid (and not cancelled)
    bought(api, participant_card, listing_of(api, PRICE))

    # When the revocation sweep runs at the deadline
    revoked = cards_revoke_due(now=participant_card.purchase_deadline)

    # Then the card stays active
    assert revoked == 0
    assert Card.objects.get(pk=participant_card.pk).status == CardStatus.ACTIVE


def test_cancelling_after_the_deadline_leaves_the_card_to_the_next_sweep(api, participant_card):
    # Given a card whose only purchase was bought in time, and the deadline passed since
    purchase = bought(api, participant_card, listing_of(api, PRICE))
    past_deadline(participant_card)

    # When the purchase is cancelled (refunded), and a platform then proposes another course
    api.post(f"/api/v1/purchases/{purchase}/cancel/")
    again = create(api, participant_card, listing_of(api))

    # Then the card may not buy again and the next sweep revokes it
    refused_as_not_usable(again)
    assert cards_revoke_due() == 1
    assert Card.objects.get(pk=participant_card.pk).status == CardStatus.REVOKED


def test_cancelling_a_later_purchase_keeps_the_first_one_as_the_cards_first_purchase(api, participant_card):
    # Given a first course completed and a second one paid
    first = bought(api, participant_card, listing_of(api, PRICE))
    finished(first)
    marked = Card.objects.get(pk=participant_card.pk).first_purchase_at
    second = bought(api, participant_card, listing_of(api, PRICE))

    # When the second is cancelled
    api.post(f"/api/v1/purchases/{second}/cancel/")

    # Then the card's first purchase is still the first course: it is not revoked
    assert Card.objects.get(pk=participant_card.pk).first_purchase_at == marked
    assert cards_revoke_due(now=participant_card.purchase_deadline) == 0
