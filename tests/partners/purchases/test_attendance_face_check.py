"""The face check at every training session: the institution's attendance link records
attendance only after the participant's live burst matches their verified selfie and blinks;
repeated failures and a face that matches another participant's (possible joki) go back to
the institution as face_check_failed and wait for a verifier."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Card
from courses.models import Attendance, AttendanceFaceCheck, FaceCheckReview, FaceCheckReviewReason
from courses.services.face_check import face_check_decide
from partners.models import Purchase
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests import faces as photos
from tests.courses.test_integration_protocol import Institution
from tests.factories import StaffUserFactory, verified_selfie_for
from tests.partners.conftest import new_participant_card
from tests.partners.purchases.test_attendance_links import URL_GENERATE, burst_files, face_check, webinar_purchase

pytestmark = pytest.mark.django_db


def link_for(lp: Institution, purchase: Purchase, card: Card, sequence: int = 1) -> str:
    assert purchase.redeem_code is not None
    answer = lp.call(
        URL_GENERATE,
        {
            "redeem_code": purchase.redeem_code.code,
            "sequence": sequence,
            "redirect_uri": "https://lp.example.id/kembali",
            "email": card.applicant.user.email,
        },
    ).json()
    return urlparse(answer["data"]["url"]).path


def client_of(card: Card) -> Client:
    client = Client()
    client.force_login(card.applicant.user)
    return client


def test_repeated_failures_go_back_as_failed_and_wait_for_a_verifier(
    participant_card: Card, django_capture_on_commit_callbacks: object, settings: object, staff_groups: None
) -> None:
    # given a participant with a verified selfie and an attendance link
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant)
    path = link_for(lp, purchase, participant_card)
    client = client_of(participant_card)
    # when a photo held to the camera (no blink) is tried twice, she is asked to retry
    for _ in range(2):
        page = face_check(client, path, django_capture_on_commit_callbacks, blink=False)
        assert page.status_code == 422
        assert "berkedip" in page.content.decode() or "blink" in page.content.decode()
    # and the third failure ends the link: back to the institution, not attended
    back = face_check(client, path, django_capture_on_commit_callbacks, blink=False)
    assert back.status_code == 302
    query = parse_qs(urlparse(back["Location"]).query)
    assert query["status"] == ["face_check_failed"]
    assert query["face_check"] == ["failed"]
    assert not Attendance.objects.exists()
    last = AttendanceFaceCheck.objects.latest("created_at")
    assert last.review_status == FaceCheckReview.PENDING
    assert last.review_reason == FaceCheckReviewReason.REPEATED_FAILURES
    # then a verifier sees the live frame beside the verified selfie and clears it, audited
    verifier_user = StaffUserFactory.create(group="verifier")
    verifier = Client()
    verifier.force_login(verifier_user)
    body = verifier.get(reverse("admin:courses_attendancefacecheck_change", args=[last.pk])).content.decode()
    assert "photo-pair" in body
    frame = verifier.get(reverse("admin:courses_attendancefacecheck_frame", args=[last.pk]))
    assert frame.content.startswith(b"\xff\xd8")
    face_check_decide(check=last, attended=True, note="Kamera buram.", actor=Actor.for_user(verifier_user))
    assert AuditEvent.objects.filter(action="attendance.face_check_cleared").exists()


def test_a_face_that_matches_another_participant_is_a_possible_joki(
    participant_card: Card, django_capture_on_commit_callbacks: object
) -> None:
    # given another participant of the same institution whose verified selfie is this face,
    # who already did a face check there
    lp = Institution()
    other_card = new_participant_card()
    other_purchase = webinar_purchase(other_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(other_card.applicant)
    other_path = link_for(lp, other_purchase, other_card)
    assert face_check(client_of(other_card), other_path, django_capture_on_commit_callbacks).status_code == 302
    # when this participant (same face on her account too) takes her own session's check
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant)
    back = face_check(
        client_of(participant_card), link_for(lp, purchase, participant_card), django_capture_on_commit_callbacks
    )
    # then the check fails at once, the institution is told, and a verifier reviews it
    query = parse_qs(urlparse(back["Location"]).query)
    assert query["status"] == ["face_check_failed"]
    check = AttendanceFaceCheck.objects.get(applicant=participant_card.applicant)
    assert check.reason == "other_participant"
    assert check.matched_applicant_id == other_card.applicant_id
    assert check.review_reason == FaceCheckReviewReason.OTHER_PARTICIPANT


def test_someone_else_in_front_of_the_camera_fails(
    participant_card: Card, django_capture_on_commit_callbacks: object
) -> None:
    # given a participant whose verified selfie is another face than the one at the session
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant, photo=photos.other_person_photo(5))
    page = face_check(
        client_of(participant_card), link_for(lp, purchase, participant_card), django_capture_on_commit_callbacks
    )
    assert page.status_code == 422
    assert AttendanceFaceCheck.objects.get().reason == "face_mismatch"


def test_without_a_verified_selfie_attendance_is_refused(
    participant_card: Card, django_capture_on_commit_callbacks: object
) -> None:
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    back = face_check(
        client_of(participant_card), link_for(lp, purchase, participant_card), django_capture_on_commit_callbacks
    )
    assert parse_qs(urlparse(back["Location"]).query)["status"] == ["face_check_failed"]
    assert AttendanceFaceCheck.objects.get().reason == "no_verified_selfie"


def test_a_replayed_blinking_video_fails_with_advice_and_a_new_challenge(
    participant_card: Card, django_capture_on_commit_callbacks: object
) -> None:
    # given a participant with a verified selfie, on the face-check page with its challenge
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant)
    path = link_for(lp, purchase, participant_card)
    client = client_of(participant_card)
    # when a video of her blinking, facing the camera, is played to the camera
    page = face_check(client, path, django_capture_on_commit_callbacks, follow=False)
    # then the check fails: she did not turn her head as asked; a new challenge is shown
    assert page.status_code == 422
    check = AttendanceFaceCheck.objects.get()
    assert check.reason.startswith("no_turn_")
    assert "menoleh" in page.content.decode()
    assert not Attendance.objects.exists()


def test_a_burst_without_the_pages_challenge_counts_no_failure(
    participant_card: Card, django_capture_on_commit_callbacks: object
) -> None:
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant)
    path = link_for(lp, purchase, participant_card)
    client = client_of(participant_card)
    client.get(path)
    for _ in range(4):  # more than FACE_CHECK_FAILURES_BEFORE_REVIEW: none is counted
        page = client.post(path, {"frames": burst_files(steps=("left", "blink", "right"))})
        assert page.status_code == 422
        assert "kedaluwarsa" in page.content.decode()
    assert not AttendanceFaceCheck.objects.exists()
    # and the page's challenge, followed, passes
    assert face_check(client, path, django_capture_on_commit_callbacks).status_code == 302
