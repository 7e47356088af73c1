"""The institution's attendance URL and practice-task feedback, seen from the participant's side."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from courses.models import Attendance, Schedule
from partners.models import Purchase
from tests import faces as photos
from tests.conftest import run_after_commit_tasks
from tests.courses.test_integration_protocol import Institution
from tests.factories import ApplicantFactory, CourseFactory, ListingFactory, PartnerFactory, verified_selfie_for
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def burst_files(*, blink: bool = True, steps: tuple[str, ...] = ()) -> list[SimpleUploadedFile]:
    """The camera's burst as the face-check page sends it: following the challenge `steps`, or
    without them the person blinking, facing the camera (no challenge followed)."""
    frames = photos.challenge_burst(steps, blink=blink) if steps else photos.burst(blink=blink)
    return [SimpleUploadedFile(f"frame-{i}.jpg", frame, "image/jpeg") for i, frame in enumerate(frames)]


def face_check(
    client: Client, path: str, capture: Any, *, blink: bool = True, follow: bool = True, frames: Any = None
) -> Any:
    """The face check as the page takes it: the page's challenge read, the burst following it
    (`follow`) or not, sent with the challenge's token; the check runs as an `identity` worker
    runs it (in this process), and the checking page then answers with the result."""
    token, steps = photos.challenge_on_page(client.get(path).content.decode())
    if frames is None:
        frames = burst_files(blink=blink, steps=steps if follow else ())
    with capture() as callbacks:
        sent = client.post(path, {"frames": frames, "challenge": token})
    if sent.status_code != 302:
        return sent  # refused at once
    assert "/periksa/" in sent["Location"]
    run_after_commit_tasks(callbacks)
    return client.get(sent["Location"])


URL_GENERATE = "/api/v1/integration/oauth/url-generate"
FEEDBACK = "/api/v1/integration/tpm/feedback/submission"


def webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp: Institution) -> Purchase:
    course = CourseFactory.create(institution=lp.record, method="webinar", price=300_000, outside_price=350_000)
    start = timezone.now() + dt.timedelta(minutes=30)
    schedule = Schedule.objects.create(
        course=course,
        code=f"WBN-{Schedule.objects.count() + 1:02d}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=30,
    )
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=api.partner, course=course, price=300_000)
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
                "schedule": schedule.pk,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    api.post(f"/api/v1/purchases/{created['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    return Purchase.objects.select_related("redeem_code").get(pk=created["id"])


def test_the_participant_confirms_attendance_once_through_the_link(
    participant_card, django_capture_on_commit_callbacks
):
    # Given a paid webinar purchase and its institution
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    assert purchase.redeem_code is not None
    email = participant_card.applicant.user.email
    # When the institution asks for an attendance URL for session 1
    answer = lp.call(
        URL_GENERATE,
        {
            "redeem_code": purchase.redeem_code.code,
            "sequence": 1,
            "redirect_uri": "https://lp.example.id/kembali",
            "email": email,
        },
    ).json()
    assert answer["success"] is True
    path = urlparse(answer["data"]["url"]).path
    # Then another participant cannot use it, even with a live face
    stranger = Client()
    stranger.force_login(ApplicantFactory.create().user)
    assert face_check(stranger, path, django_capture_on_commit_callbacks).status_code == 403
    # and the participant passes the face check (her verified selfie, a blink) and is sent
    # back with the result
    verified_selfie_for(participant_card.applicant)
    client = Client()
    client.force_login(participant_card.applicant.user)
    assert "sesi 1" in client.get(path).content.decode()
    back = face_check(client, path, django_capture_on_commit_callbacks)
    assert back.status_code == 302
    query = parse_qs(urlparse(back["Location"]).query)
    assert query["status"] == ["attended"]
    assert query["face_check"] == ["passed"]
    assert Attendance.objects.filter(redeem_code=purchase.redeem_code, sequence=1).exists()
    # and the institution sees it; the link does not work twice
    status = lp.call("/api/v1/integration/payment/redeem-code/status", {"redeem_code": purchase.redeem_code.code})
    assert status.json()["data"]["attendance_status"] == 1
    assert client.post(path).status_code == 403


def test_practice_task_feedback_reaches_the_dashboard(participant_card, django_capture_on_commit_callbacks):
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    assert purchase.redeem_code is not None
    code = purchase.redeem_code.code
    lp.call("/api/v1/integration/payment/redeem-code/commit", {"redeem_code": code})
    answer = lp.call(
        FEEDBACK,
        {
            "redeem_code": code,
            "scope": "tugas praktik mandiri",
            "sequence": 1,
            "notes": "Rencana konten sudah baik; perjelas target pasar.",
            "url_file": "https://lp.example.id/berkas/tpm-1.pdf",
        },
    )
    assert answer.json()["success"] is True
    client = Client()
    client.force_login(participant_card.applicant.user)
    assert "perjelas target pasar" in client.get("/dasbor/").content.decode()


def test_staff_see_attendance_gaps_per_purchase(participant_card, django_capture_on_commit_callbacks, staff_groups):
    from django.urls import reverse

    from courses.models import Attendance
    from tests.factories import StaffUserFactory

    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    assert purchase.redeem_code is not None
    from courses.models import Course, CourseSession

    # a plan of three sessions, of which the first and the third were attended
    Course.objects.filter(pk=purchase.course_id).update(planned_sessions=3)
    CourseSession.objects.bulk_create(CourseSession(course_id=purchase.course_id, sequence=n) for n in (2, 3))
    for sequence in (1, 3):
        Attendance.objects.create(redeem_code=purchase.redeem_code, sequence=sequence)
    client = Client()
    client.force_login(StaffUserFactory.create(group="partner_manager"))
    page = client.get(reverse("admin:partners_purchase_change", args=[purchase.pk])).content.decode()
    assert "1, 3 / 3" in page
    assert "Sesi 2 belum dihadiri" in page
