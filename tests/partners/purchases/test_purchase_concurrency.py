"""Money under real concurrency: 50 confirmations at once against one card that can pay for 3."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applicants.models import OtpPurpose
from applicants.registration.services.otp import detached_code
from partners.models import Purchase, PurchaseStatus
from prakerja.ledger.models import LedgerAccount
from prakerja.ledger.selectors import ledger_check
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker")]

PARALLEL = 50


def test_fifty_parallel_confirmations_spend_the_balance_exactly_once(participant_card, settings):
    settings.PURCHASE_OPEN_PER_CARD = settings.PURCHASES_PER_CARD_PER_DAY = PARALLEL
    # Given 50 purchases of Rp1,000,000 awaiting confirmation on a card holding Rp3,500,000
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    ids = []
    for _ in range(PARALLEL):
        response = api.post("/api/v1/purchases/", {"card_number": participant_card.number, "listing": listing.pk})
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.update(otp_hash=code_hash)  # the participant typed each purchase's code

    # When all 50 are confirmed at the same moment, each through its own connection
    def confirm(purchase_id: str) -> int:
        try:
            client = SignedClient(api.partner, api.key, api.secret, type(api.client)())
            return client.post(f"/api/v1/purchases/{purchase_id}/confirm/", {"otp": code}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(confirm, ids))

    # Then exactly 3 were paid, the others refused for the balance, and the books balance
    assert sorted(statuses).count(200) == 3, statuses
    assert set(statuses) == {200, 422}
    assert Purchase.objects.filter(status=PurchaseStatus.PAID).count() == 3
    assert Purchase.objects.filter(status=PurchaseStatus.FAILED).count() == PARALLEL - 3
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == 500_000
    assert ledger_check().ok


def test_the_same_idempotency_key_sent_ten_times_at_once_creates_one_purchase(participant_card):
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000, price=1_000_000
    )
    body = {"card_number": participant_card.number, "listing": listing.pk}

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
