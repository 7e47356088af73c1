"""Money and the purchase rules under real concurrency (threads, each its own connection to the
real PostgreSQL): 50 confirmations at once against one card, with and without the service's
one-course check, and one platform account confirming with two cards at once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applicants.models import OtpPurpose
from applicants.registration.services.otp import detached_code
from courses.models import RedeemCode
from partners.models import PlatformAccountBinding, Purchase, PurchaseStatus
from partners.purchases.services import purchases
from prakerja.ledger.models import LedgerAccount, Posting
from prakerja.ledger.selectors import ledger_check
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer
from tests.partners.conftest import new_participant_card

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker")]

PARALLEL = 50


def _fifty_awaiting(card, settings) -> tuple[SignedClient, list[str], str]:
    """50 purchases of Rp1,000,000 awaiting confirmation on a card holding Rp3,500,000, each
    with the code the participant typed."""
    settings.PURCHASE_OPEN_PER_CARD = settings.PURCHASES_PER_CARD_PER_DAY = PARALLEL
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    ids = []
    for _ in range(PARALLEL):
        body = {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        response = api.post("/api/v1/purchases/", body)
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.update(otp_hash=code_hash)
    return api, ids, code


def _confirm_all_at_once(api: SignedClient, ids: list[str], code: str) -> list[tuple[int, str]]:
    def confirm(purchase_id: str) -> tuple[int, str]:
        try:
            client = SignedClient(api.partner, api.key, api.secret, type(api.client)())
            answer = client.post(f"/api/v1/purchases/{purchase_id}/confirm/", {"otp": code})
            return answer.status_code, answer.json().get("code", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(confirm, ids))


def test_fifty_parallel_confirmations_pay_one_course_once(participant_card, settings):
    # Given 50 purchases awaiting confirmation on one card, which could pay for 3 of them
    api, ids, code = _fifty_awaiting(participant_card, settings)

    # When all 50 are confirmed at the same moment, each through its own connection
    answers = _confirm_all_at_once(api, ids, code)

    # Then exactly one was paid: one course at a time; the others were refused and left unpaid
    assert [status for status, _ in answers].count(200) == 1, answers
    assert {answer for answer in answers if answer[0] != 200} == {(409, "course_in_progress")}
    assert Purchase.objects.filter(status=PurchaseStatus.PAID).count() == 1
    assert Purchase.objects.filter(status=PurchaseStatus.AWAITING_CONFIRMATION).count() == PARALLEL - 1
    # and the money moved once, with the card bound to its one platform account
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == 2_500_000
    assert Posting.objects.filter(kind="purchase.confirm").count() == 1
    assert PlatformAccountBinding.objects.filter(card=participant_card).count() == 1
    assert ledger_check().ok


def test_the_database_holds_one_course_at_a_time_without_the_service_check(participant_card, settings, monkeypatch):
    # Given 50 purchases awaiting confirmation on one card, and the service's own check switched
    # off (as any code path that forgot it would be)
    api, ids, code = _fifty_awaiting(participant_card, settings)
    monkeypatch.setattr(purchases, "purchase_rules_check_pay", lambda **kwargs: None)

    # When all 50 are confirmed at the same moment
    answers = _confirm_all_at_once(api, ids, code)

    # Then the partial unique index let one through and the refusals are still in words
    assert [status for status, _ in answers].count(200) == 1, answers
    assert {answer for answer in answers if answer[0] != 200} == {(409, "course_in_progress")}
    assert Purchase.objects.filter(status=PurchaseStatus.PAID).count() == 1
    # and nothing of the refused confirmations stayed: no posting, no redeem code
    assert Posting.objects.filter(kind="purchase.confirm").count() == 1
    assert RedeemCode.objects.count() == 1
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == 2_500_000
    assert ledger_check().ok


def test_one_platform_account_binds_one_card_when_two_cards_confirm_at_once(training_fund):
    # Given two participants' cards and one platform account trying to buy with both
    cards = [new_participant_card(), new_participant_card()]
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=api.partner, course__price=500_000, price=500_000)
    ids = [
        api.post(
            "/api/v1/purchases/",
            {"card_number": c.number, "platform_account_id": "akun-bersama", "listing": listing.pk},
        ).json()["id"]
        for c in cards
    ]
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.update(otp_hash=code_hash)

    # When both are confirmed at the same moment
    answers = _confirm_all_at_once(api, ids, code)

    # Then one card is bound to the account and paid; the other is refused and pays nothing
    assert sorted(answers) == [(200, ""), (409, "platform_account_in_use")], answers
    assert PlatformAccountBinding.objects.filter(partner=api.partner).count() == 1
    assert Posting.objects.filter(kind="purchase.confirm").count() == 1
    assert ledger_check().ok


def test_the_same_idempotency_key_sent_ten_times_at_once_creates_one_purchase(participant_card):
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    body = {
        "card_number": participant_card.number,
        "platform_account_id": buyer(participant_card.number),
        "listing": listing.pk,
    }

    def create(_: int) -> tuple[int, str]:
        try:
            client = SignedClient(api.partner, api.key, api.secret, type(api.client)())
            response = client.post("/api/v1/purchases/", body, idempotency_key="sama-semua")
            return response.status_code, response.json().get("id", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(create, range(10)))
    assert {status for status, _ in results} == {201}
    assert len({purchase_id for _, purchase_id in results}) == 1
    assert Purchase.objects.count() == 1
