"""The programme's rules since 2021, through the partner API (issue 20): one course at a time,
a started course is neither cancelled nor swapped, and one platform account uses one card."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import OtpPurpose
from applicants.registration.services.otp import detached_code
from courses.models import RedeemCode
from courses.services.redemption import redeem_code_commit
from partners.models import ApiRequestLog, IdempotencyRecord, PlatformAccountBinding, Purchase, PurchaseStatus
from prakerja.audit.models import AuditEvent
from prakerja.ledger.models import LedgerAccount, Posting
from tests.courses.training import finished, training_done
from tests.factories import ListingFactory, PartnerFactory, ScheduleFactory
from tests.partners.api import SignedClient, buyer
from tests.partners.conftest import new_participant_card

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create(name="Pijar Mahir"))


def listing_of(api: SignedClient, price: int = 500_000):
    return ListingFactory.create(partner=api.partner, course__price=price, course__outside_price=price, price=price)


def create(api: SignedClient, card, listing, *, account: str | None = None, **headers):
    body = {"card_number": card.number, "platform_account_id": account or buyer(card.number), "listing": listing.pk}
    return api.post(PURCHASES, body, **headers)


def confirm(api: SignedClient, purchase_id: str):
    """The participant's code typed in (the code the SMS carried is replaced by a known one)."""
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.filter(pk=purchase_id).update(otp_hash=code_hash)
    return api.post(f"{PURCHASES}{purchase_id}/confirm/", {"otp": code})


def bought(api: SignedClient, card, listing, **kwargs) -> str:
    created = create(api, card, listing, **kwargs)
    assert created.status_code == 201, created.json()
    paid = confirm(api, created.json()["id"])
    assert paid.status_code == 200, paid.json()
    return created.json()["id"]


def training_started(purchase_id: str) -> None:
    """The institution commits the redeem code (the participant started the course)."""
    purchase = Purchase.objects.select_related("redeem_code", "course").get(pk=purchase_id)
    assert purchase.redeem_code is not None
    redeem_code_commit(code=purchase.redeem_code.code, institution_id=purchase.course.institution_id)


def complete(api: SignedClient, purchase_id: str):
    return api.post(
        f"{PURCHASES}{purchase_id}/complete/",
        {
            "certificate_number": f"S-{purchase_id[:8]}",
            "certificate_url": "https://platform.example.id/s/1.pdf",
            "completed_at": timezone.now().isoformat(),
        },
    )


# One course at a time


def test_a_second_course_is_refused_while_the_first_is_not_finished(api, participant_card):
    # Given a participant whose first course is paid and not completed
    first = bought(api, participant_card, listing_of(api))
    balance = LedgerAccount.objects.get(pk=participant_card.account_id).balance

    # When the same platform, and another, propose a second course
    same = create(api, participant_card, listing_of(api))
    elsewhere_api = SignedClient.for_partner(PartnerFactory.create(name="Sekolahmu"))
    elsewhere = create(elsewhere_api, participant_card, listing_of(elsewhere_api), headers={"Accept-Language": "en"})

    # Then both are refused with the rule's code, in Indonesian by default, and nothing was created or paid
    assert same.status_code == elsewhere.status_code == 409
    assert same.json()["code"] == elsewhere.json()["code"] == "course_in_progress"
    assert "belum selesai" in same.json()["detail"]
    assert "not finished" in elsewhere.json()["detail"]
    assert list(Purchase.objects.values_list("pk", flat=True)) == [Purchase.objects.get(pk=first).pk]
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == balance


def test_a_second_course_proposed_earlier_is_not_paid_while_the_first_is_not_finished(api, participant_card):
    # Given two courses proposed at once; the participant confirms the first
    one, two = (create(api, participant_card, listing_of(api)).json()["id"] for _ in range(2))
    assert confirm(api, one).status_code == 200

    # When they confirm the second too
    refused = confirm(api, two)

    # Then it is refused and stays unpaid: one posting, one redeem code
    assert (refused.status_code, refused.json()["code"]) == (409, "course_in_progress")
    assert Purchase.objects.get(pk=two).status == PurchaseStatus.AWAITING_CONFIRMATION
    assert Posting.objects.filter(kind="purchase.confirm").count() == 1
    assert RedeemCode.objects.count() == 1


def test_the_next_course_can_be_bought_once_the_first_is_completed(api, participant_card):
    # Given a first course followed to the end
    first = bought(api, participant_card, listing_of(api))
    training_started(first)
    code = Purchase.objects.get(pk=first).redeem_code
    assert code is not None
    training_done(code)  # every session, long enough ago
    assert complete(api, first).status_code == 200

    # When a second course is bought
    second = create(api, participant_card, listing_of(api))

    # Then it is accepted and paid
    assert second.status_code == 201, second.json()
    assert confirm(api, second.json()["id"]).status_code == 200


def test_the_next_course_can_be_bought_once_the_first_was_cancelled_before_its_training(api, participant_card):
    # Given a first course paid, then cancelled before the training started (refunded)
    first = bought(api, participant_card, listing_of(api))
    assert api.post(f"{PURCHASES}{first}/cancel/").json()["status"] == "cancelled"

    # When another course is bought
    second = create(api, participant_card, listing_of(api))

    # Then it is accepted and paid
    assert second.status_code == 201, second.json()
    assert confirm(api, second.json()["id"]).status_code == 200


@pytest.mark.parametrize("how", ["redeem code committed", "first attendance recorded"])
def test_a_started_course_cannot_be_cancelled_nor_swapped(api, participant_card, how):
    # Given a paid course whose training started
    if how == "redeem code committed":
        first = bought(api, participant_card, listing_of(api))
        training_started(first)
    else:
        schedule = ScheduleFactory.create(course__method="offline", course__price=500_000)
        listing = ListingFactory.create(partner=api.partner, course=schedule.course, price=500_000)
        created = api.post(
            PURCHASES,
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
                "schedule": schedule.pk,
            },
        )
        first = created.json()["id"]
        assert confirm(api, first).status_code == 200
        purchase = Purchase.objects.select_related("redeem_code").get(pk=first)
        assert purchase.redeem_code is not None
        redeem_code_commit(code=purchase.redeem_code.code, institution_id=schedule.course.institution_id, sequence=1)
    balance = LedgerAccount.objects.get(pk=participant_card.account_id).balance

    # When the platform cancels it, or tries to swap it for another course
    cancelled = api.post(f"{PURCHASES}{first}/cancel/")
    swapped = create(api, participant_card, listing_of(api))

    # Then both are refused: the course stays bought, the money stays spent
    assert (cancelled.status_code, cancelled.json()["code"]) == (409, "training_started")
    assert (swapped.status_code, swapped.json()["code"]) == (409, "course_in_progress")
    assert Purchase.objects.get(pk=first).status == PurchaseStatus.PAID
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == balance


def test_the_dashboard_says_a_course_is_in_progress_and_why_the_next_waits(api, participant_card):
    # Given a course in progress, and a second one a platform proposed before it was paid
    one, two = (create(api, participant_card, listing_of(api)).json()["id"] for _ in range(2))
    confirm(api, one)
    client = Client()
    client.force_login(participant_card.applicant.user)
    dashboard = reverse("applicants:dashboard")

    # When the participant opens the dashboard, and confirms the second one there
    page = client.get(dashboard).content.decode()
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.filter(pk=two).update(otp_hash=code_hash)
    client.post(reverse("catalogue:purchase-confirm", args=[two]), {"otp": code})
    after = client.get(dashboard).content.decode()

    # Then they read, in Indonesian, that the course is in progress and the next one waits for it
    assert 'data-testid="course-in-progress"' in page
    assert "sedang berjalan" in page
    assert "tidak dapat dibayar selama pelatihan lain sedang berjalan" in page
    assert "Anda masih mengikuti pelatihan" in after
    assert Purchase.objects.get(pk=two).status == PurchaseStatus.AWAITING_CONFIRMATION


# One platform account uses one card


def test_the_first_paid_purchase_binds_the_card_to_the_platform_account(api, participant_card):
    # Given a purchase created but not yet confirmed: nothing is bound
    created = create(api, participant_card, listing_of(api), account="pengguna-77").json()["id"]
    assert not PlatformAccountBinding.objects.exists()

    # When it is confirmed
    confirm(api, created)

    # Then the card is bound to that account on this platform, kept only as a keyed hash
    binding = PlatformAccountBinding.objects.get()
    assert (binding.card_id, binding.partner_id, str(binding.purchase_id)) == (
        participant_card.pk,
        api.partner.pk,
        created,
    )
    assert "pengguna-77" not in binding.account_hash
    assert len(binding.account_hash) == 64


def test_another_account_on_the_same_platform_is_refused_and_the_binding_outlives_a_cancel(api, participant_card):
    # Given a card bound to an account on this platform, whose purchase was then cancelled
    first = bought(api, participant_card, listing_of(api), account="pengguna-77")
    api.post(f"{PURCHASES}{first}/cancel/")

    # When another account of the same platform buys with the card
    refused = create(api, participant_card, listing_of(api), account="pengguna-88")
    # and when the first account buys again, and another platform's account does
    again = create(api, participant_card, listing_of(api), account="pengguna-77")
    other_api = SignedClient.for_partner(PartnerFactory.create(name="Sekolahmu"))
    other = create(other_api, participant_card, listing_of(other_api), account="pengguna-88")

    # Then only the other account on the same platform is refused
    assert (refused.status_code, refused.json()["code"]) == (409, "platform_account_mismatch")
    assert again.status_code == 201, again.json()
    assert other.status_code == 201, other.json()


def test_a_bound_account_cannot_buy_with_another_card(api, participant_card, training_fund):
    # Given an account bound to a participant's card
    bought(api, participant_card, listing_of(api), account="pengguna-77")
    another = new_participant_card()

    # When the same account buys with someone else's card
    refused = create(api, another, listing_of(api), account="pengguna-77")

    # Then it is refused
    assert (refused.status_code, refused.json()["code"]) == (409, "platform_account_in_use")


def test_an_account_mismatch_at_confirmation_moves_no_money(api, participant_card):
    # Given two purchases proposed by two accounts of the platform before either was paid
    one = create(api, participant_card, listing_of(api), account="pengguna-77").json()["id"]
    two = create(api, participant_card, listing_of(api), account="pengguna-88").json()["id"]
    confirm(api, one)
    finished(one)  # the first course finished

    # When the second is confirmed
    refused = confirm(api, two)

    # Then it is refused: the card is the first account's on this platform
    assert (refused.status_code, refused.json()["code"]) == (409, "platform_account_mismatch")
    assert Posting.objects.filter(kind="purchase.confirm").count() == 1


def test_the_platform_account_id_is_required_and_never_kept_in_clear(api, participant_card):
    # Given a listing
    listing = listing_of(api)

    # When a purchase is sent without the account, and then with one
    missing = api.post(PURCHASES, {"card_number": participant_card.number, "listing": listing.pk})
    spaced = create(api, participant_card, listing, account="dua kata")
    created = create(api, participant_card, listing, account="rahasia-akun-123")
    confirm(api, created.json()["id"])

    # Then it is required and printable without spaces; and the id is stored, logged, audited
    # and answered nowhere in clear
    assert (missing.status_code, list(missing.json()["errors"])) == (400, ["platform_account_id"])
    assert (spaced.status_code, list(spaced.json()["errors"])) == (400, ["platform_account_id"])
    assert "rahasia-akun-123" not in str(created.json())
    for rows in (
        Purchase.objects.values_list(),
        PlatformAccountBinding.objects.values_list(),
        AuditEvent.objects.values_list("payload", "object_repr"),
        IdempotencyRecord.objects.values_list("body", "request_hash"),
        ApiRequestLog.objects.values_list(),
    ):
        assert "rahasia-akun-123" not in str(list(rows))
