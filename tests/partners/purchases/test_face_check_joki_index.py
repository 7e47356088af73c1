"""The joki search through the programme-wide face index (issue 22): a face verified on one
account is found when it attends a session on another account, at another institution, even
though the first account never took a face check anywhere. A real second person (Barack Obama's
photographs, tests/faces.py) attends; the astronaut stays the other participants' face."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applicants.models import Card, FaceIndexEntry
from courses.models import Attendance, AttendanceFaceCheck, FaceCheckReview, FaceCheckReviewReason
from prakerja.identity import faces
from tests import faces as photos
from tests.courses.test_integration_protocol import Institution
from tests.factories import verified_selfie_for
from tests.partners.conftest import new_participant_card
from tests.partners.purchases.test_attendance_face_check import client_of, link_for
from tests.partners.purchases.test_attendance_links import face_check, webinar_purchase

pytestmark = pytest.mark.django_db


def burst_of(name: str) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"frame-{i}.jpg", frame, "image/jpeg") for i, frame in enumerate(photos.portrait_burst(name))
    ]


@pytest.fixture(autouse=True)
def _obama_is_live(monkeypatch: pytest.MonkeyPatch) -> None:
    """Obama half-closes his eyes in his portrait (eye ratio 0.22, under the open eye's 0.24), so
    painted eyelids make no blink of it; liveness is tested with the astronaut elsewhere. Here the
    burst counts as live, and its face is the first frame's."""

    def live(frames: list[bytes], *args: object, **kwargs: object) -> faces.LivenessCheck:
        return faces.LivenessCheck(True, descriptor=faces.analyse(frames[0], judge=False).descriptor, frame=0)

    monkeypatch.setattr(faces, "liveness_check", live)


def test_one_face_on_two_accounts_at_two_institutions_is_caught_through_the_index(
    participant_card: Card, django_capture_on_commit_callbacks: Any
) -> None:
    # given Obama's face verified on another account, which never took a session face check
    other_card = new_participant_card()
    verified_selfie_for(other_card.applicant, photo=photos.portrait("obama2"))
    assert FaceIndexEntry.objects.filter(applicant=other_card.applicant).exists()
    assert not AttendanceFaceCheck.objects.exists()
    # and this participant, at another institution, verified with Obama's other photograph
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant, photo=photos.portrait("obama"))
    # when Obama takes this account's session face check
    back = face_check(
        client_of(participant_card),
        link_for(lp, purchase, participant_card),
        django_capture_on_commit_callbacks,
        frames=burst_of("obama"),
    )
    # then the check fails at once as a possible joki, naming the other account, for a verifier
    assert parse_qs(urlparse(back["Location"]).query)["status"] == ["face_check_failed"]
    check = AttendanceFaceCheck.objects.get(applicant=participant_card.applicant)
    assert check.reason == "other_participant"
    assert check.matched_applicant_id == other_card.applicant_id
    assert check.review_status == FaceCheckReview.PENDING
    assert check.review_reason == FaceCheckReviewReason.OTHER_PARTICIPANT
    assert not Attendance.objects.exists()


def test_a_different_person_on_another_account_is_not_a_joki(
    participant_card: Card, django_capture_on_commit_callbacks: Any
) -> None:
    # given Biden's and the astronaut's faces verified on other accounts
    verified_selfie_for(new_participant_card().applicant, photo=photos.portrait("biden"))
    verified_selfie_for(new_participant_card().applicant)
    # and Obama's on this one
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant, photo=photos.portrait("obama2"))
    # when Obama takes his own session's check
    back = face_check(
        client_of(participant_card),
        link_for(lp, purchase, participant_card),
        django_capture_on_commit_callbacks,
        frames=burst_of("obama"),
    )
    # then he attends
    assert parse_qs(urlparse(back["Location"]).query)["status"] == ["attended"]
    check = AttendanceFaceCheck.objects.get(applicant=participant_card.applicant)
    assert check.reason == ""
    assert check.matched_applicant_id is None
    assert Attendance.objects.count() == 1
