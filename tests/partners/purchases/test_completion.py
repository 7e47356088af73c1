"""Completion means the training was done: every planned session attended, every required
practice task submitted and assessed, the course's minimum duration passed; one certificate
number per course; the database refuses the rest."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from applicants.models import Card, Entitlement
from courses.models import RedeemCode
from courses.services.redemption import practice_feedback_record, redeem_code_commit
from partners.models import Purchase, PurchaseStatus
from tests.conftest import run_after_commit_tasks
from tests.courses.training import training_done
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code
from tests.partners.conftest import new_participant_card

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def paid_purchase(api: SignedClient, card: Card, capture, **course) -> Purchase:
    """A paid purchase of a self-paced course (three sessions unless told otherwise)."""
    course = {"planned_sessions": 3, "tasks": [2, 3], "min_duration_hours": 20, **course}
    listing = ListingFactory.create(
        partner=api.partner,
        price=400_000,
        course__price=400_000,
        course__outside_price=450_000,
        **{f"course__{name}": value for name, value in course.items()},
    )
    with capture() as callbacks:
        created = api.post(
            PURCHASES, {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        ).json()
    run_after_commit_tasks(callbacks)
    confirmed = api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": sent_code(card.applicant.phone)})
    assert confirmed.status_code == 200, confirmed.json()
    return Purchase.objects.select_related("redeem_code").get(pk=created["id"])


def completion(number: str = "SERT-001", at: dt.datetime | None = None) -> dict[str, str]:
    return {
        "certificate_number": number,
        "certificate_url": f"https://platform.example.id/sertifikat/{number}",
        "completed_at": (at or timezone.now()).isoformat(),
    }


def commit(code: RedeemCode, sequence: int | None = None) -> None:
    redeem_code_commit(code=code.code, institution_id=code.institution_id, sequence=sequence)


def task(code: RedeemCode, sequence: int, status: str) -> None:
    practice_feedback_record(
        code=code.code,
        institution_id=code.institution_id,
        scope="tpm",
        sequence=sequence,
        notes="Sudah baik.",
        url_file="https://lp.example/t.pdf",
        status=status,
    )


def test_completion_is_refused_with_everything_still_missing_then_accepted(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a paid course of three sessions, tasks in sessions 2 and 3, at least 20 hours
    purchase = paid_purchase(api, participant_card, django_capture_on_commit_callbacks)
    code = purchase.redeem_code
    assert code is not None
    # When the institution reports session 1 and session 2 with its task submitted only
    commit(code, 1)
    commit(code, 2)
    task(code, 2, "submitted")
    refused = api.post(f"{PURCHASES}{purchase.pk}/complete/", completion())
    # Then completion is refused with what is missing, as data and in words
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "training_incomplete"
    missing = {(p["kind"], p["session"]) for p in body["problems"]}
    assert missing == {
        ("practice_task_not_assessed", 2),
        ("session_not_attended", 3),
        ("practice_task_not_submitted", 3),
        ("minimum_duration", None),
    }
    duration = next(p for p in body["problems"] if p["kind"] == "minimum_duration")
    assert duration["minimum_hours"] == 20
    assert duration["earliest_completion"]
    assert body["detail"].startswith(body["detail"].split(":")[0])
    assert "3" in body["detail"]
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.PAID
    assert not Entitlement.objects.filter(card=participant_card).exists()

    # When everything is reported and the 20 hours have passed
    task(code, 2, "assessed")
    training_done(code)
    done = api.post(f"{PURCHASES}{purchase.pk}/complete/", completion())
    # Then it completes, and the incentive's entitlement starts
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "completed"
    assert Entitlement.objects.get(card=participant_card).completed_at is not None


def test_the_minimum_duration_alone_holds_completion_back(api, participant_card, django_capture_on_commit_callbacks):
    # Given every session and task reported, but the training started two hours ago
    purchase = paid_purchase(api, participant_card, django_capture_on_commit_callbacks)
    assert purchase.redeem_code is not None
    training_done(purchase.redeem_code, started=timezone.now() - dt.timedelta(hours=2))
    # When the platform completes it now
    refused = api.post(f"{PURCHASES}{purchase.pk}/complete/", completion())
    # Then only the duration is missing
    assert [p["kind"] for p in refused.json()["problems"]] == ["minimum_duration"]


def test_a_task_not_required_is_not_waited_for(api, participant_card, django_capture_on_commit_callbacks):
    # Given a two-session course without practice tasks
    purchase = paid_purchase(api, participant_card, django_capture_on_commit_callbacks, planned_sessions=2, tasks=[])
    assert purchase.redeem_code is not None
    # When both sessions are attended, long enough ago
    training_done(purchase.redeem_code)
    # Then it completes
    assert api.post(f"{PURCHASES}{purchase.pk}/complete/", completion()).json()["status"] == "completed"


def test_a_certificate_number_is_unique_per_course(api, participant_card, django_capture_on_commit_callbacks):
    # Given two participants of the same course, both trained
    first = paid_purchase(api, participant_card, django_capture_on_commit_callbacks, planned_sessions=1, tasks=[])
    other_card = new_participant_card()
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            PURCHASES,
            {
                "card_number": other_card.number,
                "platform_account_id": buyer(other_card.number),
                "listing": first.listing_id,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    api.post(f"{PURCHASES}{created['id']}/confirm/", {"otp": sent_code(other_card.applicant.phone)})
    second = Purchase.objects.select_related("redeem_code").get(pk=created["id"])
    for purchase in (first, second):
        assert purchase.redeem_code is not None
        training_done(purchase.redeem_code)
    # When the platform gives the second the first's certificate number
    assert api.post(f"{PURCHASES}{first.pk}/complete/", completion("SERT-9")).status_code == 200
    taken = api.post(f"{PURCHASES}{second.pk}/complete/", completion("SERT-9"))
    # Then it is refused and the second stays paid; another number is accepted
    assert (taken.status_code, taken.json()["code"]) == (409, "certificate_number_taken")
    assert Purchase.objects.get(pk=second.pk).status == PurchaseStatus.PAID
    assert api.post(f"{PURCHASES}{second.pk}/complete/", completion("SERT-10")).status_code == 200


def test_the_same_certificate_number_in_another_course_is_allowed(
    api, participant_card, django_capture_on_commit_callbacks
):
    first = paid_purchase(api, participant_card, django_capture_on_commit_callbacks, planned_sessions=1, tasks=[])
    assert first.redeem_code is not None
    training_done(first.redeem_code)
    assert api.post(f"{PURCHASES}{first.pk}/complete/", completion("SERT-1")).status_code == 200
    second = paid_purchase(api, participant_card, django_capture_on_commit_callbacks, planned_sessions=1, tasks=[])
    assert second.redeem_code is not None
    training_done(second.redeem_code)
    assert api.post(f"{PURCHASES}{second.pk}/complete/", completion("SERT-1")).status_code == 200


def test_the_database_refuses_a_completion_written_around_the_service(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a started training with session 3 missing
    purchase = paid_purchase(api, participant_card, django_capture_on_commit_callbacks)
    assert purchase.redeem_code is not None
    training_done(purchase.redeem_code, sessions=[1, 2])
    now = timezone.now()
    fields = {"status": "completed", "completed_at": now, "certificate_number": "X-1"}
    # When something writes the completion directly, then the trigger refuses it
    with pytest.raises(IntegrityError, match=r"every planned session"), transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(**fields)
    # and with every session done but no certificate number, the check constraint does
    training_done(purchase.redeem_code)
    with pytest.raises(IntegrityError, match="purchase_completed_after_start_with_certificate"), transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(**{**fields, "certificate_number": ""})
    # and before the minimum duration, the trigger again
    Purchase.objects.filter(pk=purchase.pk).update(started_at=now - dt.timedelta(hours=1))
    with pytest.raises(IntegrityError, match="minimum duration"), transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(**fields)
