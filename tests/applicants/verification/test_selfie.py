"""The selfie journey: after identity, the applicant's burst (or an uploaded photo) is checked
with the civil registry (the sandbox's real face match and liveness); a clear result or retake
advice in Indonesian, a limited number of tries a day; mismatches wait for a verifier, who sees
both photos side by side; the selfie is kept encrypted; selection counts only verified
identities."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import SettingsWrapper

from applicants.models import (
    Applicant,
    Decision,
    IdentityVerification,
    Outcome,
    Reason,
    ReviewReason,
    Step,
    VerificationSource,
    VerificationStatus,
)
from applicants.verification.notices import retake_advice
from applicants.verification.selectors import verified_face
from applicants.verification.services import (
    RegistryUnavailable,
    Selfie,
    VerificationError,
    identity_review_decide,
    identity_verify,
    identity_verify_queue,
    selfie_challenge,
)
from applicants.waves.services.selection import wave_selection_run
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_bytes
from prakerja.identity import faces
from tests import faces as photos
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the verifiers their group."""


def unverified(**kwargs: object) -> Applicant:
    """Past the phone step, in the sandbox registry with her photo, not yet verified."""
    options: dict[str, object] = {
        "reached": Step.PERSONAL,
        "verified": False,
        "registry_photo": photos.registry_photo(),
        **kwargs,
    }
    return ApplicantFactory.create(**options)


def verify(applicant: Applicant, birth_place: str = "Bandung", *, blink: bool = True) -> IdentityVerification:
    """A camera attempt as the page makes it: the challenge shown, her burst following it."""
    challenge = selfie_challenge(applicant)
    return identity_verify(
        applicant=applicant,
        birth_place=birth_place,
        selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(challenge.steps, blink=blink)),
        steps=challenge.steps,
    )


def test_a_live_matching_selfie_verifies_the_identity() -> None:
    # given an applicant whose data and face are the registry's
    applicant = unverified()
    # when her blinking burst is checked
    done = verify(applicant, "Kota Bandung")
    # then she is verified, with the scores and the registry's references stored
    assert done.status == VerificationStatus.VERIFIED
    assert done.live is True
    assert done.face_score is not None
    assert done.face_score > 70
    assert done.data_match["found"] is True
    assert set(done.provider_references) == {"data", "face", "liveness"}
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is not None
    assert applicant.birth_place == "Kota Bandung"
    # and the selfie is kept encrypted (not a JPEG on disk), with a descriptor of her face
    stored = done.selfie.open("rb").read()
    assert not stored.startswith(b"\xff\xd8")
    assert decrypt_bytes(stored).startswith(b"\xff\xd8")
    face = verified_face(applicant.pk)
    assert face is not None
    assert faces.same_person(face, faces.analyse(photos.selfie()).descriptor)  # type: ignore[arg-type]


def test_no_blink_asks_for_a_retake_and_uses_a_try() -> None:
    applicant = unverified()
    done = verify(applicant, "Bandung", blink=False)
    assert done.status == VerificationStatus.RETAKE
    assert done.liveness_reason == "no_blink"
    assert not done.selfie
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is None


def test_turning_the_wrong_way_asks_for_a_retake_with_advice() -> None:
    # given the challenge shown, and a burst that turns the other way round
    applicant = unverified()
    challenge = selfie_challenge(applicant)
    turns = [step for step in challenge.steps if step != "blink"]
    wrong = [{"left": "right", "right": "left"}.get(step, step) for step in challenge.steps]
    done = identity_verify(
        applicant=applicant,
        birth_place="Bandung",
        selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(wrong)),
        steps=challenge.steps,
    )
    # then a retake, with the reason and advice in Indonesian
    assert done.status == VerificationStatus.RETAKE
    assert done.liveness_reason == "wrong_order"
    assert turns != [step for step in wrong if step != "blink"]
    assert "urutan" in retake_advice("wrong_order")
    assert "menoleh ke kiri" in retake_advice("no_turn_left")


def test_a_burst_without_a_usable_challenge_is_refused_and_counts_no_try(
    django_capture_on_commit_callbacks: Any,
) -> None:
    applicant = unverified()
    frames = photos.challenge_burst(("left", "blink", "right"))
    issued = selfie_challenge(applicant)
    for token in ("", "made-up"):
        with pytest.raises(VerificationError, match="kedaluwarsa"):
            identity_verify_queue(
                applicant=applicant,
                birth_place="Bandung",
                selfie=Selfie(source=VerificationSource.CAMERA, frames=frames),
                challenge=token,
            )
    assert not IdentityVerification.objects.exists()
    # and the page's own challenge still works afterwards
    with django_capture_on_commit_callbacks() as callbacks:
        identity_verify_queue(
            applicant=applicant,
            birth_place="Bandung",
            selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(issued.steps)),
            challenge=issued.token,
        )
    run_after_commit_tasks(callbacks)
    done = IdentityVerification.objects.get(applicant=applicant)
    assert done.status == VerificationStatus.VERIFIED


def test_a_dark_photo_asks_for_a_retake() -> None:
    applicant = unverified()
    frames = [photos.dark_selfie()] * 4
    done = identity_verify(
        applicant=applicant,
        birth_place="Bandung",
        selfie=Selfie(source=VerificationSource.CAMERA, frames=frames),
        steps=selfie_challenge(applicant).steps,
    )
    assert done.status == VerificationStatus.RETAKE
    assert done.face_problem == "too_dark"


def test_another_face_than_the_registry_photo_goes_to_review() -> None:
    # given a registry whose photo of this NIK is somebody else
    applicant = unverified(registry_photo=photos.other_person_photo(11))
    done = verify(applicant, "Bandung")
    assert done.status == VerificationStatus.REVIEW
    assert done.review_reasons == [ReviewReason.FACE_MISMATCH]
    assert done.face_score is not None
    assert done.face_score < 45


def test_a_differing_birth_place_goes_to_review() -> None:
    applicant = unverified()
    done = verify(applicant, "Medan")
    assert done.status == VerificationStatus.REVIEW
    assert done.review_reasons == [ReviewReason.DATA_MISMATCH]
    assert done.data_match["fields"]["birth_place"]["matched"] is False


def test_an_uploaded_photo_is_reviewed_as_liveness_was_not_checked() -> None:
    applicant = unverified()
    done = identity_verify(
        applicant=applicant,
        birth_place="Bandung",
        selfie=Selfie(source=VerificationSource.UPLOAD, frames=[photos.selfie()]),
    )
    assert done.status == VerificationStatus.REVIEW
    assert done.review_reasons == [ReviewReason.NO_LIVENESS]


def test_an_outage_writes_nothing_and_counts_no_try(settings: SettingsWrapper) -> None:
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 1.0
    applicant = unverified()
    with pytest.raises(RegistryUnavailable):
        verify(applicant, "Bandung")
    assert not IdentityVerification.objects.exists()


def test_tries_are_limited_per_day(settings: SettingsWrapper) -> None:
    settings.IDENTITY_SELFIE_TRIES_PER_DAY = 2
    applicant = unverified()
    for _ in range(2):
        verify(applicant, "Bandung", blink=False)
    with pytest.raises(VerificationError, match=r"tomorrow|besok"):
        verify(applicant, "Bandung")


def test_a_verifier_approves_a_mismatch_after_comparing_the_photos() -> None:
    applicant = unverified()
    done = verify(applicant, "Medan")
    verifier = StaffUserFactory.create(group="verifier")
    identity_review_decide(verification=done, approve=True, note="", actor=Actor.for_user(verifier))
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is not None
    event = AuditEvent.objects.get(action="identity.review_approved")
    assert "Medan" not in str(event.payload)


def test_a_rejection_needs_a_reason_and_lets_the_applicant_try_again() -> None:
    applicant = unverified()
    done = verify(applicant, "Medan")
    actor = Actor.for_user(StaffUserFactory.create(group="verifier"))
    with pytest.raises(VerificationError):
        identity_review_decide(verification=done, approve=False, note=" ", actor=actor)
    identity_review_decide(verification=done, approve=False, note="Tempat lahir tidak sesuai KTP.", actor=actor)
    again = verify(applicant, "Bandung")
    assert again.status == VerificationStatus.VERIFIED


# -- the pages ------------------------------------------------------------------------------


def _client(applicant: Applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def send_selfie(client: Client, data: dict[str, object], capture: Any) -> Any:
    """Post the selfie page: it answers with the checking page at once; the check then runs as
    an `identity` worker runs it (in this process) and the checking page leads to the result."""
    with capture() as callbacks:
        sent = client.post(reverse("applicants:selfie"), data)
    assert sent.status_code == 302, sent.content.decode()
    checking = client.get(sent["Location"])
    assert 'data-state="checking"' in checking.content.decode()
    assert "Memeriksa foto" in checking.content.decode()
    run_after_commit_tasks(callbacks)
    return client.get(sent["Location"], follow=True)


def test_the_page_sends_the_burst_and_shows_the_result_in_indonesian(django_capture_on_commit_callbacks: Any) -> None:
    applicant = unverified()
    client = _client(applicant)
    page = client.get(reverse("applicants:selfie")).content.decode()
    assert "Verifikasi identitas" in page or "swafoto" in page.lower()
    # the page shows the challenge's steps in Indonesian, in the order the server chose
    token, steps = photos.challenge_on_page(page)
    assert "Tolehkan kepala ke kiri" in page
    assert "berkedip sekali" in page
    # when the burst follows the steps but the eyes never close
    burst = photos.challenge_burst(steps, blink=False)
    frames = [SimpleUploadedFile(f"f{i}.jpg", f, "image/jpeg") for i, f in enumerate(burst)]
    answer = send_selfie(
        client, {"birth_place": "Bandung", "frames": frames, "challenge": token}, django_capture_on_commit_callbacks
    )
    body = answer.content.decode()
    # then a retake, with the advice in Indonesian and the tries left, and a new challenge
    assert 'data-state="retake"' in body
    assert "berkedip" in body
    assert photos.challenge_on_page(body)[0] != token


def test_the_page_verifies_a_burst_that_follows_its_challenge(django_capture_on_commit_callbacks: Any) -> None:
    applicant = unverified()
    client = _client(applicant)
    token, steps = photos.challenge_on_page(client.get(reverse("applicants:selfie")).content.decode())
    frames = [SimpleUploadedFile(f"f{i}.jpg", f, "image/jpeg") for i, f in enumerate(photos.challenge_burst(steps))]
    answer = send_selfie(
        client, {"birth_place": "Bandung", "frames": frames, "challenge": token}, django_capture_on_commit_callbacks
    )
    assert 'data-state="verified"' in answer.content.decode()


def test_the_upload_fallback_goes_to_review(django_capture_on_commit_callbacks: Any) -> None:
    applicant = unverified()
    client = _client(applicant)
    photo = SimpleUploadedFile("selfie.jpg", photos.selfie(), "image/jpeg")
    answer = send_selfie(client, {"birth_place": "Bandung", "photo": photo}, django_capture_on_commit_callbacks)
    assert 'data-state="review"' in answer.content.decode()


def test_the_dashboard_asks_for_the_selfie() -> None:
    applicant = unverified()
    body = _client(applicant).get(reverse("applicants:dashboard")).content.decode()
    assert reverse("applicants:selfie") in body


def test_the_review_queue_shows_both_photos_and_only_staff_see_the_selfie() -> None:
    applicant = unverified()
    done = verify(applicant, "Medan")
    verifier = Client()
    verifier.force_login(StaffUserFactory.create(group="verifier"))
    listing = verifier.get(reverse("admin:applicants_identityverification_changelist"))
    assert listing.status_code == 200
    assert applicant.nik_masked in listing.content.decode()
    page = verifier.get(reverse("admin:applicants_identityverification_change", args=[done.pk]))
    body = page.content.decode()
    assert "photo-pair" in body
    selfie_link = body.split('<img src="')[1].split('"')[0]
    assert verifier.get(selfie_link).content.startswith(b"\xff\xd8")
    # another applicant cannot open it
    stranger = _client(ApplicantFactory.create(reached=Step.CONTACT))
    assert stranger.get(selfie_link).status_code == 404


def test_the_review_queue_list_has_a_fixed_number_of_queries(django_assert_max_num_queries: object) -> None:
    applicants = [unverified() for _ in range(3)]
    for applicant in applicants:
        IdentityVerification.objects.create(
            applicant=applicant,
            reference=f"ref-{applicant.pk}",
            status=VerificationStatus.REVIEW,
            source=VerificationSource.CAMERA,
            review_reasons=[ReviewReason.FACE_MISMATCH],
        )
    verifier = Client()
    verifier.force_login(StaffUserFactory.create(group="verifier"))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        verifier.get(reverse("admin:applicants_identityverification_changelist"))


def test_selection_counts_only_verified_identities(training_fund: int) -> None:
    # given a wave with a verified member and one who never took the selfie
    wave = WaveFactory.create()
    verified = WaveMemberFactory.create(wave=wave)
    never = WaveMemberFactory.create(wave=wave)
    Applicant.objects.filter(pk=never.applicant_id).update(identity_verified_at=None)
    # when the closed wave is selected
    wave_selection_run(wave_id=close(wave).pk, seed=1)
    # then only the verified one can be selected; the other is told why in plain words
    assert Decision.objects.get(member=verified).outcome == Outcome.SELECTED
    unverified_decision = Decision.objects.get(member=never)
    assert unverified_decision.outcome == Outcome.INELIGIBLE
    assert unverified_decision.reasons == [Reason.IDENTITY_UNVERIFIED]
