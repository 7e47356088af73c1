"""The whole flow through the real doors: the platform's signed REST API buys, the participant
confirms with the SMS code, the institution's signed protocol reports each session and the
practice task, the platform completes (refused until the training is done), the participant
reviews on the portal, and once a payout account is linked the incentive is due."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Entitlement, Instalment, InstalmentKind, InstalmentStatus
from courses.models import RedeemCode
from partners.models import Purchase
from tests.applicants.incentive_setups import fund_incentives
from tests.conftest import run_after_commit_tasks
from tests.courses.test_integration_protocol import COMMIT, Institution
from tests.factories import CourseFactory, ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code
from tests.partners.purchases.test_incentive_entitlement import link_account

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/integration/tpm/feedback/submission"
PURCHASES = "/api/v1/purchases/"


def test_purchase_attendance_task_completion_review_incentive(participant_card, django_capture_on_commit_callbacks):
    fund_incentives()
    # Given a self-paced course of three sessions, a practice task in session 3, 15 hours at least
    lp = Institution()
    course = CourseFactory.create(
        institution=lp.record, planned_sessions=3, tasks=[3], total_hours=15, min_duration_hours=15
    )
    platform = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=platform.partner, course=course, price=course.price)

    # When the platform creates the purchase and the participant confirms it with the SMS code
    with django_capture_on_commit_callbacks() as callbacks:
        created = platform.post(
            PURCHASES,
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        )
    run_after_commit_tasks(callbacks)
    assert created.status_code == 201, created.json()
    purchase_id = created.json()["id"]
    confirmed = platform.post(
        f"{PURCHASES}{purchase_id}/confirm/", {"otp": sent_code(participant_card.applicant.phone)}
    )
    assert confirmed.json()["status"] == "paid"
    code = RedeemCode.objects.get(purchase__pk=purchase_id).code

    # When the institution reports sessions 1 and 2 through the signed protocol
    for sequence in (1, 2):
        attended = lp.call(COMMIT, {"redeem_code": code, "sequence": sequence})
        assert attended.status_code == 200, attended.json()
    assert platform.get(f"{PURCHASES}{purchase_id}/").json()["status"] == "redeemed"
    # Then the platform cannot complete yet, and learns what is missing
    certificate = {
        "certificate_number": "SERT-2026-0001",
        "certificate_url": "https://platform.example.id/sertifikat/0001",
    }
    early = platform.post(
        f"{PURCHASES}{purchase_id}/complete/", {**certificate, "completed_at": timezone.now().isoformat()}
    )
    assert (early.status_code, early.json()["code"]) == (409, "training_incomplete")
    assert {(p["kind"], p["session"]) for p in early.json()["problems"]} == {
        ("session_not_attended", 3),
        ("practice_task_not_submitted", 3),
        ("minimum_duration", None),
    }
    # and the participant's dashboard shows the progress
    participant = Client()
    participant.force_login(participant_card.applicant.user)
    page = participant.get(reverse("applicants:dashboard")).content.decode()
    assert 'data-testid="training-progress"' in page
    assert 'data-session="3" data-attended="0"' in page

    # When session 3 is attended and its task submitted, then assessed
    assert lp.call(COMMIT, {"redeem_code": code, "sequence": 3}).status_code == 200
    task = {"redeem_code": code, "scope": "tpm", "sequence": 3, "url_file": "https://lms.example.id/tugas/3.pdf"}
    assert lp.call(FEEDBACK, {**task, "notes": "", "status": "submitted"}).status_code == 200
    assert lp.call(FEEDBACK, {**task, "notes": "Lengkap dan rapi.", "status": "assessed"}).status_code == 200
    # and the clock moves on past the course's 15 hours since the start
    started = timezone.now() - dt.timedelta(hours=16)
    RedeemCode.objects.filter(code=code).update(used_at=started)
    Purchase.objects.filter(pk=purchase_id).update(started_at=started)

    # Then the platform completes the purchase and the certificate is on the dashboard
    done = platform.post(
        f"{PURCHASES}{purchase_id}/complete/", {**certificate, "completed_at": timezone.now().isoformat()}
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "completed"
    page = participant.get(reverse("applicants:dashboard")).content.decode()
    assert 'data-testid="certificate"' in page
    assert "SERT-2026-0001" in page

    # When the participant reviews the course on the portal
    reviewed = participant.post(
        reverse("catalogue:purchase-review", args=[purchase_id]),
        {"rating": "5", "text": "Materinya jelas dan tugasnya langsung saya pakai untuk usaha."},
    )
    assert reviewed.status_code == 302
    entitlement = Entitlement.objects.get(card=participant_card)
    assert entitlement.completed_at
    assert entitlement.reviewed_at
    # and links a payout account in their own name
    link_account(participant_card, django_capture_on_commit_callbacks)

    # Then the post-training incentive starts: due, with its money set aside
    instalment = Instalment.objects.get(kind=InstalmentKind.POST_TRAINING)
    assert instalment.status == InstalmentStatus.PAYABLE
    assert instalment.amount == 600_000
