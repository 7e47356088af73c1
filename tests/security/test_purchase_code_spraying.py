"""Purchase-code spraying by a platform (issue 18, item 7): each purchase allows three wrong SMS
codes, but a dishonest or compromised platform can create purchase after purchase for one card
and keep guessing (about 50% in under three hours at the API's throttle), every try texting the
participant. The card must be the unit: few open purchases and purchases a day per card, wrong
codes counted per card across purchases and platforms, the card's confirmations locked after
repeated failures (the right code included), and the PMO shown the attempts."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Card
from applicants.waves.services.selection import wave_selection_run
from partners.models import CardCodeGuard, Purchase, PurchaseStatus
from prakerja.audit.models import AuditEvent
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory, WaveFactory, WaveMemberFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"


@pytest.fixture
def participant_card(training_fund: int, regions: None) -> Card:
    """A fresh card with the normal scheme's Rp3,500,000."""
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    return Card.objects.select_related("applicant").get(decision_id=member.pk)


def create(api: SignedClient, card, listing, callbacks_capture):
    with callbacks_capture() as callbacks:
        response = api.post(
            PURCHASES, {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        )
    run_after_commit_tasks(callbacks)
    return response


def listing_of(api: SignedClient):
    return ListingFactory.create(
        partner=api.partner, course__price=100_000, course__outside_price=150_000, price=100_000
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_platform_cannot_keep_a_card_busy_with_open_purchases(
    participant_card, django_capture_on_commit_callbacks, settings
):
    # given a platform that opened as many purchases on one card as are allowed
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = listing_of(api)
    for _ in range(settings.PURCHASE_OPEN_PER_CARD):
        assert create(api, participant_card, listing, django_capture_on_commit_callbacks).status_code == 201

    # when it (or another platform) opens one more on the same card
    other = SignedClient.for_partner(PartnerFactory.create())
    response = create(other, participant_card, listing_of(other), django_capture_on_commit_callbacks)

    # then it is refused with a documented code, and no SMS is sent
    assert response.status_code == 429
    assert response.json()["code"] == "card_purchase_limit"
    assert set(response.json()) >= {"detail", "code"}
    assert Purchase.objects.filter(card=participant_card).count() == settings.PURCHASE_OPEN_PER_CARD


def test_wrong_codes_across_purchases_lock_the_cards_confirmations(
    participant_card, django_capture_on_commit_callbacks, settings
):
    # given a platform that guesses two wrong codes per purchase, purchase after purchase
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = listing_of(api)
    answers = []
    right = ""
    for _ in range(3):
        created = create(api, participant_card, listing, django_capture_on_commit_callbacks).json()
        right = sent_code(participant_card.applicant.phone)
        for _ in range(2):
            answers.append(api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": wrong(right)}))
        if answers[-1].json()["code"] == "card_confirmation_locked":
            break

    # then the fifth wrong code on the card locks its confirmations
    codes = [answer.json()["code"] for answer in answers]
    assert codes[: settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK - 1] == ["otp_invalid"] * 4
    assert codes[settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK - 1] == "card_confirmation_locked"
    assert answers[settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK - 1].status_code == 423
    # and even the right code of the last purchase is refused now, and no new purchase starts
    last = Purchase.objects.filter(card=participant_card).order_by("-created_at").first()
    assert last is not None
    assert last.status == PurchaseStatus.FAILED
    response = create(api, participant_card, listing, django_capture_on_commit_callbacks)
    assert response.status_code == 423
    assert response.json()["code"] == "card_confirmation_locked"
    guard = CardCodeGuard.objects.get(card=participant_card)
    assert guard.failures_total == settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK
    assert guard.last_failure_partner == api.partner
    assert AuditEvent.objects.filter(action="card.confirmations_locked").count() == 1


def test_a_locked_card_refuses_the_right_code_of_an_open_purchase(
    participant_card, django_capture_on_commit_callbacks, settings
):
    # given a card with an open purchase, then locked by wrong codes on other purchases
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = listing_of(api)
    honest = create(api, participant_card, listing, django_capture_on_commit_callbacks).json()
    honest_code = sent_code(participant_card.applicant.phone)
    guard, _ = CardCodeGuard.objects.get_or_create(card=participant_card)
    guard.failures = settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK - 1
    guard.save()
    sprayed = create(api, participant_card, listing, django_capture_on_commit_callbacks).json()
    api.post(f"{PURCHASES}{sprayed['id']}/confirm/", {"otp": "000000" if honest_code != "000000" else "111111"})

    # when the right code of the first purchase is sent
    response = api.post(f"{PURCHASES}{honest['id']}/confirm/", {"otp": honest_code})

    # then it is refused: the card is locked, nothing was paid
    assert response.status_code == 423
    assert Purchase.objects.get(pk=honest["id"]).status == PurchaseStatus.AWAITING_CONFIRMATION


def test_the_pmo_sees_locked_cards_and_lifts_a_lock_with_a_reason(
    participant_card, staff_groups, django_assert_max_num_queries
):
    # given a card whose confirmations are locked
    guard = CardCodeGuard.objects.create(
        card=participant_card, failures_total=5, lock_count=1, locked_until="2999-01-01T00:00:00Z"
    )
    admin = Client()
    admin.force_login(StaffUserFactory.create(group="pmo_admin"))
    changelist = reverse("admin:partners_cardcodeguard_changelist")

    # when the PMO lists locked cards, then the card is there, masked
    with django_assert_max_num_queries(12):
        page = admin.get(changelist, {"locked": "yes"}).content.decode()
    assert participant_card.number[-4:] in page
    assert participant_card.number not in page

    # when an officer lifts the lock with a reason, then it is lifted and audited
    admin.post(
        changelist,
        {"action": "unlock", "_selected_action": [guard.pk], "apply": "1", "reason": "Peserta dihubungi"},
    )
    guard.refresh_from_db()
    assert guard.locked_until is None
    event = AuditEvent.objects.get(action="card.confirmations_unlocked")
    assert event.actor_user is not None
    assert participant_card.number not in str(event.payload) + event.object_repr

    # and a partner manager may look but not unlock
    manager = Client()
    manager.force_login(StaffUserFactory.create(group="partner_manager"))
    assert manager.get(changelist).status_code == 200
    CardCodeGuard.objects.filter(pk=guard.pk).update(locked_until="2999-01-01T00:00:00Z")
    manager.post(changelist, {"action": "unlock", "_selected_action": [guard.pk], "apply": "1", "reason": "x"})
    guard.refresh_from_db()
    assert guard.locked_until is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("worker")
def test_parallel_purchases_on_one_card_respect_the_open_limit(participant_card, settings):
    # given a platform that fires ten purchases on one card at the same moment
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    api = SignedClient.for_partner(PartnerFactory.create())
    listing = listing_of(api)

    def create_one(_: int) -> int:
        try:
            client = SignedClient(api.partner, api.key, api.secret, Client())
            return client.post(
                PURCHASES,
                {
                    "card_number": participant_card.number,
                    "platform_account_id": buyer(participant_card.number),
                    "listing": listing.pk,
                },
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(create_one, range(10)))

    # then exactly the allowed number were created, the others refused
    assert statuses.count(201) == settings.PURCHASE_OPEN_PER_CARD, statuses
    assert set(statuses) == {201, 429}
    assert Purchase.objects.filter(card=participant_card).count() == settings.PURCHASE_OPEN_PER_CARD
