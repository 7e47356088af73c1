"""The partner API's purchase flow: signing, idempotency, isolation, the state machine, money."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from applicants.models import Card
from courses.models import RedeemCode
from partners.models import Purchase, PurchaseStatus
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import ledger_check
from tests.conftest import run_after_commit_tasks
from tests.courses.training import training_done
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"


def balance(card: Card) -> int:
    return LedgerAccount.objects.get(pk=card.account_id).balance


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def start_purchase(api: SignedClient, card: Card, django_capture_on_commit_callbacks, price: int = 1_000_000):
    listing = ListingFactory.create(
        partner=api.partner, course__price=price, course__outside_price=price + 100_000, price=price
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            PURCHASES, {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        )
    run_after_commit_tasks(callbacks)
    assert response.status_code == 201, response.json()
    return response.json(), sent_code(card.applicant.phone)


def test_a_purchase_is_confirmed_with_the_sms_code_and_paid_from_the_card(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a participant with Rp3,500,000 and a listing at Rp1,000,000
    # When the platform creates the purchase
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    # Then it waits for the code the participant received, and no money moved yet
    assert created["status"] == "awaiting_confirmation"
    assert created["card_number_last4"] == participant_card.number[-4:]
    assert "balance" not in str(created)
    assert balance(participant_card) == 3_500_000
    # When the platform confirms with that code
    response = api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": code})
    # Then the price moved to the platform, codes were issued, the card is safe from revocation
    assert response.status_code == 200, response.json()
    paid = response.json()
    assert paid["status"] == "paid"
    assert len(paid["voucher_code"]) == 12
    assert len(paid["redeem_code"]) == 12
    assert paid["commission_amount"] == 100_000
    assert balance(participant_card) == 2_500_000
    payable = LedgerAccount.objects.get(kind=AccountKind.PLATFORM_PAYABLE, owner_ref=str(api.partner.pk))
    assert sum(payable.entries.values_list("amount", flat=True)) == 1_000_000
    participant_card.refresh_from_db()
    assert participant_card.first_purchase_at is not None
    assert ledger_check().ok


def test_the_balance_is_never_revealed_when_it_is_short(api, participant_card):
    listing = ListingFactory.create(
        partner=api.partner, course__price=4_000_000, course__outside_price=4_000_000 + 100_000, price=4_000_000
    )
    response = api.post(
        PURCHASES,
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_balance"
    assert "3.500.000" not in response.content.decode()
    assert "3500000" not in response.content.decode()


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ({"signature": "0" * 64}, "signature_invalid"),
        ({"timestamp": -400}, "timestamp_out_of_window"),
        ({"timestamp": +400}, "timestamp_out_of_window"),
    ],
)
def test_unsigned_stale_or_forged_requests_are_refused(api, tamper, code):
    # Timestamps are offsets from the moment the test runs (collection may be minutes earlier).
    if "timestamp" in tamper:
        tamper = {"timestamp": int(time.time()) + tamper["timestamp"]}
    response = api.get(PURCHASES, **tamper)
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_a_replayed_signature_is_refused(api):
    stamp = int(time.time())
    assert api.get(PURCHASES, timestamp=stamp).status_code == 200
    replay = api.get(PURCHASES, timestamp=stamp)
    assert replay.status_code == 401
    assert replay.json()["code"] == "signature_replayed"


def test_a_request_without_or_with_a_revoked_key_is_refused(api):
    from django.test import Client

    assert Client().get(PURCHASES).json()["code"] == "invalid_api_key"
    api.key = api.key[:-2] + ("AA" if not api.key.endswith("AA") else "BB")
    assert api.get(PURCHASES).json()["code"] == "invalid_api_key"


def test_the_same_idempotency_key_replays_and_a_different_body_conflicts(api, participant_card):
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_000_000 + 100_000, price=1_000_000
    )
    body = {
        "card_number": participant_card.number,
        "platform_account_id": buyer(participant_card.number),
        "listing": listing.pk,
    }
    first = api.post(PURCHASES, body, idempotency_key="beli-001")
    again = api.post(PURCHASES, body, idempotency_key="beli-001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Purchase.objects.count() == 1
    conflict = api.post(PURCHASES, {**body, "listing": listing.pk + 1}, idempotency_key="beli-001")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_key_reused"
    missing = api.client.post(PURCHASES, body, content_type="application/json")
    assert missing.status_code == 401


def test_a_partner_cannot_see_or_touch_another_partners_purchase(
    api, participant_card, django_capture_on_commit_callbacks
):
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    other = SignedClient.for_partner(PartnerFactory.create())
    path = f"{PURCHASES}{created['id']}/"
    assert other.get(path).status_code == 404
    for verb, body in [("confirm", {"otp": code}), ("cancel", {}), ("complete", None)]:
        payload = (
            body
            if body is not None
            else {
                "certificate_number": "X",
                "certificate_url": "https://x.id/c",
                "completed_at": timezone.now().isoformat(),
            }
        )
        assert other.post(f"{path}{verb}/", payload).status_code == 404
    assert other.get(PURCHASES).json()["results"] == []
    # and B cannot buy through A's listing
    listing_of_a = Purchase.objects.get().listing_id
    refused = other.post(
        PURCHASES,
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing_of_a,
        },
    )
    assert refused.status_code == 404
    purchase = Purchase.objects.get()
    assert purchase.status == PurchaseStatus.AWAITING_CONFIRMATION
    assert purchase.otp_attempts == 0


def test_three_wrong_codes_fail_the_purchase(api, participant_card, django_capture_on_commit_callbacks):
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    url = f"{PURCHASES}{created['id']}/confirm/"
    assert api.post(url, {"otp": wrong}).json()["code"] == "otp_invalid"
    assert api.post(url, {"otp": wrong}).json()["code"] == "otp_invalid"
    assert api.post(url, {"otp": wrong}).json()["code"] == "otp_attempts_exceeded"
    assert api.post(url, {"otp": code}).json()["code"] == "invalid_state"
    assert balance(participant_card) == 3_500_000


def test_an_expired_code_expires_the_purchase(api, participant_card, django_capture_on_commit_callbacks):
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    Purchase.objects.filter(pk=created["id"]).update(otp_expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": code})
    assert (response.status_code, response.json()["code"]) == (410, "otp_expired")
    assert Purchase.objects.get().status == PurchaseStatus.EXPIRED


def test_cancel_refunds_until_the_training_starts_and_completion_needs_the_start(
    api, participant_card, django_capture_on_commit_callbacks
):
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": code})
    # Cancelling a paid purchase refunds it
    cancelled = api.post(f"{PURCHASES}{created['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert balance(participant_card) == 3_500_000
    assert RedeemCode.objects.get().status == "cancelled"
    # A second purchase whose training started can be completed but not cancelled
    second, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    api.post(f"{PURCHASES}{second['id']}/confirm/", {"otp": code})
    completion = {
        "certificate_number": "SERT-2026-001",
        "certificate_url": "https://platform.example.id/sertifikat/001",
        "completed_at": timezone.now().isoformat(),
    }
    early = api.post(f"{PURCHASES}{second['id']}/complete/", completion)
    assert (early.status_code, early.json()["code"]) == (409, "training_not_started")
    redeem = RedeemCode.objects.get(purchase__pk=second["id"])
    training_done(redeem, started=timezone.now() - dt.timedelta(days=2))
    assert api.get(f"{PURCHASES}{second['id']}/").json()["status"] == "redeemed"
    assert api.post(f"{PURCHASES}{second['id']}/cancel/").json()["code"] == "training_started"
    done = api.post(f"{PURCHASES}{second['id']}/complete/", completion)
    assert done.json()["status"] == "completed"
    assert done.json()["certificate_number"] == "SERT-2026-001"
    assert ledger_check().ok


def test_a_suspended_platform_starts_nothing_new_but_finishes_what_is_in_flight(
    api, participant_card, django_capture_on_commit_callbacks
):
    created, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    api.partner.status = "suspended"
    api.partner.save()
    listing = ListingFactory.create(
        partner=api.partner, course__price=500_000, course__outside_price=500_000 + 100_000, price=500_000
    )
    refused = api.post(
        PURCHASES,
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "partner_not_active")
    assert api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": code}).json()["status"] == "paid"


def test_purchases_are_listed_with_filters_and_a_cursor(api, participant_card, django_capture_on_commit_callbacks):
    for _ in range(3):
        start_purchase(api, participant_card, django_capture_on_commit_callbacks, price=100_000)
    page = api.get(f"{PURCHASES}?page_size=2&status=awaiting_confirmation").json()
    assert len(page["results"]) == 2
    assert page["next"]
    rest = api.get(page["next"].split("testserver")[1]).json()
    assert len(rest["results"]) == 1
    assert api.get(f"{PURCHASES}?status=paid").json()["results"] == []


def test_odd_dates_in_filters_are_answered_not_crashed_on(api):
    # Found by Schemathesis: an ISO 8601 offset PostgreSQL does not accept
    response = api.get(f"{PURCHASES}?updated_since=8876-12-31T01%3A30%3A12.144-18%3A03")
    assert response.status_code == 200
    assert api.get(f"{PURCHASES}?updated_since=9999-12-31T23%3A59%3A59-10%3A00").status_code == 400


def test_each_platform_is_throttled_on_its_own(api, settings):
    from django.core.cache import cache

    from partners.api.views import PartnerRateThrottle

    cache.clear()
    PartnerRateThrottle.THROTTLE_RATES = {"partner": "3/min"}
    try:
        statuses = [api.get(PURCHASES).status_code for _ in range(4)]
        other = SignedClient.for_partner(PartnerFactory.create())
        assert other.get(PURCHASES).status_code == 200
    finally:
        PartnerRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert statuses == [200, 200, 200, 429]


def test_refused_transitions_leave_purchases_and_money_as_they_were(
    api, participant_card, django_capture_on_commit_callbacks
):
    completion = {
        "certificate_number": "S-9",
        "certificate_url": "https://p.example.id/s/9",
        "completed_at": timezone.now().isoformat(),
    }
    # awaiting: cannot be completed; cancelling it moves no money
    waiting, _code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    assert api.post(f"{PURCHASES}{waiting['id']}/complete/", completion).json()["code"] == "invalid_state"
    assert api.post(f"{PURCHASES}{waiting['id']}/cancel/").json()["status"] == "cancelled"
    # cancelled: cannot be confirmed, cancelled again or completed
    for verb, body in [("confirm", {"otp": "123456"}), ("cancel", {}), ("complete", completion)]:
        refused = api.post(f"{PURCHASES}{waiting['id']}/{verb}/", body)
        assert (refused.status_code, refused.json()["code"]) == (409, "invalid_state"), verb
    # paid: cannot be confirmed again
    paid, code = start_purchase(api, participant_card, django_capture_on_commit_callbacks)
    api.post(f"{PURCHASES}{paid['id']}/confirm/", {"otp": code})
    assert api.post(f"{PURCHASES}{paid['id']}/confirm/", {"otp": code}).json()["code"] == "invalid_state"
    # completed: cannot be cancelled or completed again
    training_done(RedeemCode.objects.get(purchase__pk=paid["id"]), started=timezone.now() - dt.timedelta(days=1))
    assert api.post(f"{PURCHASES}{paid['id']}/complete/", completion).json()["status"] == "completed"
    assert api.post(f"{PURCHASES}{paid['id']}/complete/", completion).json()["code"] == "invalid_state"
    assert api.post(f"{PURCHASES}{paid['id']}/cancel/").json()["code"] == "invalid_state"
    assert balance(participant_card) == 2_500_000
    assert ledger_check().ok
