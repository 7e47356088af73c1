"""Attack: replaying a recorded burst to pass liveness (issue 22). The old check asked only for
a blink, so a video of the person blinking, played through a virtual camera, passed. Each
attempt now has a server-issued, single-use, expiring challenge (head turns and a blink in a
random order): a recorded burst with a correct blink but no challenge, an earlier attempt's
challenge, or another order, is refused."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applicants.models import IdentityVerification, Step, VerificationStatus
from courses.models import AttendanceFaceCheck
from tests import faces as photos
from tests.conftest import run_after_commit_tasks
from tests.courses.test_integration_protocol import Institution
from tests.factories import ApplicantFactory, verified_selfie_for
from tests.partners.conftest import new_participant_card
from tests.partners.purchases.test_attendance_face_check import link_for
from tests.partners.purchases.test_attendance_links import webinar_purchase

pytestmark = pytest.mark.django_db


def files(frames: list[bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"frame-{i}.jpg", f, "image/jpeg") for i, f in enumerate(frames)]


def sent(client: Client, path: str, data: dict[str, Any], capture: Any) -> Any:
    """Post a burst; a queued check is run as an `identity` worker runs it (in this process)
    and the checking page's answer returned; a refusal at once is returned as it is."""
    with capture() as callbacks:
        answer = client.post(path, data)
    if answer.status_code != 302 or "/periksa" not in answer["Location"]:
        return answer
    run_after_commit_tasks(callbacks)
    return client.get(answer["Location"])


def test_a_blinking_video_without_the_challenge_does_not_verify_a_selfie(
    regions: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given an applicant whom the registry knows, and a recording of her blinking at the camera
    applicant = ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())
    client = Client()
    client.force_login(applicant.user)
    recording = photos.burst(blink=True)
    url = reverse("applicants:selfie")
    # when the recording is posted with no challenge at all
    page = client.post(url, {"birth_place": "Bandung", "frames": files(recording)})
    # then it is refused before any check, and no try is used
    assert "kedaluwarsa" in page.content.decode()
    assert not IdentityVerification.objects.exists()
    # when it is posted with the page's challenge (a virtual camera playing it)
    token, _steps = photos.challenge_on_page(client.get(url).content.decode())
    sent(
        client,
        url,
        {"birth_place": "Bandung", "frames": files(recording), "challenge": token},
        django_capture_on_commit_callbacks,
    )
    # then it is not live: no head turn as asked; the identity is not verified
    attempt = IdentityVerification.objects.get()
    assert attempt.status == VerificationStatus.RETAKE
    assert attempt.liveness_reason.startswith("no_turn_")
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is None


def test_an_earlier_passed_face_check_replayed_at_the_next_session_is_refused(
    regions: None, training_fund: int, django_capture_on_commit_callbacks: Any
) -> None:
    # given a participant who passed session 1's face check, and an attacker who recorded that
    # request (the burst and its challenge's token) to attend session 2 in her place
    card = new_participant_card()
    lp = Institution()
    purchase = webinar_purchase(card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(card.applicant)
    client = Client()
    client.force_login(card.applicant.user)
    first = link_for(lp, purchase, card, sequence=1)
    token, steps = photos.challenge_on_page(client.get(first).content.decode())
    recorded = photos.challenge_burst(steps)
    back = sent(client, first, {"frames": files(recorded), "challenge": token}, django_capture_on_commit_callbacks)
    assert parse_qs(urlparse(back["Location"]).query)["face_check"] == ["passed"]
    second = link_for(lp, purchase, card, sequence=2)
    # when the recorded request is sent again for session 2, with its old token
    page = sent(client, second, {"frames": files(recorded), "challenge": token}, django_capture_on_commit_callbacks)
    # then it is refused (that challenge was used, and was for another link), no check counted
    assert page.status_code == 422
    assert "kedaluwarsa" in page.content.decode()
    assert AttendanceFaceCheck.objects.filter(link__sequence=2).count() == 0
    # when it is sent with session 2's own challenge (the page asks another order)
    new_token, new_steps = photos.challenge_on_page(client.get(second).content.decode())
    assert new_steps != steps
    page = sent(client, second, {"frames": files(recorded), "challenge": new_token}, django_capture_on_commit_callbacks)
    # then the burst does not follow it: failed, not attended
    assert page.status_code == 422
    check = AttendanceFaceCheck.objects.get(link__sequence=2)
    assert check.outcome == "failed"
    assert check.reason in {"wrong_order", "no_blink", "no_turn_left", "no_turn_right"}
    # and the same request twice is refused the second time, the challenge being used
    again = sent(
        client, second, {"frames": files(recorded), "challenge": new_token}, django_capture_on_commit_callbacks
    )
    assert again.status_code == 422
    assert AttendanceFaceCheck.objects.filter(link__sequence=2).count() == 1
