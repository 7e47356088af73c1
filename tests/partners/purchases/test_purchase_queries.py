"""What a purchase costs the database (issue 21): the create and confirm calls' queries are
pinned, and answering from the purchase as written shows what a fresh read shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import run_after_commit_tasks
from tests.courses.training import finished
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"

# Counted inside the test's transaction (the idempotency block is a savepoint here, two
# statements that are BEGIN/COMMIT in production) and with the request log written per row.
# Before issue 21's work: 23 and 34.
CREATE_QUERIES = 17  # +1: the scheme year's deadlines (buy, use the balance)
# A card's first purchase: the platform's payable account and the card's first-purchase mark;
# +1 for the deadlines again at payment; issue 20's purchase rules add one read (no other
# unfinished course, the card's account on the platform) and, on a card's first purchase on a
# platform, the binding's insert.
CONFIRM_QUERIES = 32
CONFIRM_AGAIN_QUERIES = 27  # the same platform and card once more, after the first course is completed


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def buy(api, card, listing, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as created, django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            PURCHASES, {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        )
    run_after_commit_tasks(callbacks)
    assert response.status_code == 201, response.json()
    code = sent_code(card.applicant.phone)
    with CaptureQueriesContext(connection) as confirmed:
        paid = api.post(f"{PURCHASES}{response.json()['id']}/confirm/", {"otp": code})
    assert paid.status_code == 200, paid.json()
    return response.json(), paid.json(), len(created), len(confirmed)


def test_create_and_confirm_make_the_pinned_number_of_queries(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a participant and two listings of a platform
    listings = ListingFactory.create_batch(
        2, partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    api.get("/api/v1/listings/")  # the key is read once per process
    # When the card buys the first listing, completes it, then buys the second
    _c, first, first_create, first_confirm = buy(api, participant_card, listings[0], django_capture_on_commit_callbacks)
    finished(first["id"])  # one course at a time
    _c, _p, again_create, again_confirm = buy(api, participant_card, listings[1], django_capture_on_commit_callbacks)
    # Then each call makes the pinned number of queries
    assert (first_create, first_confirm) == (CREATE_QUERIES, CONFIRM_QUERIES)
    assert (again_create, again_confirm) == (CREATE_QUERIES, CONFIRM_AGAIN_QUERIES)


def test_the_answers_are_what_a_fresh_read_of_the_purchase_shows(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a listing and a participant
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    # When the platform creates the purchase, the create answer is what GET shows then
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            PURCHASES,
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    assert created == api.get(f"{PURCHASES}{created['id']}/").json()
    assert created["status"] == "awaiting_confirmation"
    # When it confirms with the participant's code, the confirm answer is what GET shows now
    paid = api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    assert paid.status_code == 200, paid.json()
    assert paid.json() == api.get(f"{PURCHASES}{created['id']}/").json()
    assert paid.json()["status"] == "paid"
    assert paid.json()["redeem_code"]
