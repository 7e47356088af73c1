"""Identity verification: the selfie journey's one write, and the verifiers' decision.

`identity_verify` asks the civil registry (through `prakerja.identity`) three things: is the
burst live (it follows the challenge the page showed: head turns and a blink in the order
asked, `prakerja.identity.challenges`; the challenge is used up first, and a burst without a
usable one is refused before anything else, no try counted), does the typed data match the
registry's record field by field, does the selfie's face match the registry's photo. Then:
- a photo problem (dark, blurred, no face...) or the challenge not followed (no turn, the
  wrong order, no blink): `retake`, with advice; a try used;
- everything matches and the burst was live: `verified`, the applicant's identity counts;
- the data or the face differs, the registry has no photo, or the photo was uploaded (no
  liveness): `review`, the verifiers' queue.
The registry is asked before anything is written and without a lock held (its calls take
seconds); an outage writes nothing and counts no try. Tries are limited per day (Jakarta).
The selfie is kept encrypted (its face descriptor too) for the face check at every training
session, and a verified face goes into the programme-wide face search index (`face_index.py`) in
the same transaction; the other frames are not kept.

The page does not run it: `identity_verify_queue` checks the upload and the rules that refuse at
once, and queues a job (prakerja.identity.services) that an `identity` worker runs with
`selfie_check_run`; the page polls the job and then shows the result.
"""

import datetime as dt
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from PIL import Image, UnidentifiedImageError

from applicants.errors import ApplicantError
from applicants.models import (
    Applicant,
    IdentityVerification,
    ReviewReason,
    Step,
    VerificationSource,
    VerificationStatus,
)
from applicants.verification import notices
from applicants.verification.face_index import face_index_put
from applicants.verification.selectors import tries_today
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_bytes, decrypt_value, encrypt_bytes
from prakerja.identity import faces
from prakerja.identity.challenges import SELFIE, ChallengeRefused, IssuedChallenge, challenge_issue, challenge_use
from prakerja.identity.models import FaceJob, FaceJobKind
from prakerja.identity.provider import IdentityClaim, IdentityProviderUnavailable, Liveness, identity_provider
from prakerja.identity.services import (
    face_job_claim,
    face_job_create,
    face_job_finish,
    face_job_release,
    face_job_unfinished,
)

MAX_FRAMES = 20  # the page sends 18: one before the challenge, 5 a step, 2 after
MAX_FRAME_BYTES = 2 * 1024 * 1024


class VerificationError(ApplicantError):
    pass


class RegistryUnavailable(VerificationError):
    code = "registry_unavailable"
    status = 503


@dataclass(frozen=True)
class Selfie:
    source: str  # VerificationSource
    frames: Sequence[bytes]  # the camera's burst, or the one uploaded photo


def _refuse_unless_open(applicant: Applicant) -> None:
    if not applicant.has_reached(Step.CONTACT) or applicant.nik_encrypted is None or applicant.birth_date is None:
        raise VerificationError(notices.STEP_FIRST)
    if applicant.identity_verified_at is not None:
        raise VerificationError(notices.ALREADY_VERIFIED)
    if IdentityVerification.objects.filter(applicant=applicant, status=VerificationStatus.REVIEW).exists():
        raise VerificationError(notices.IN_REVIEW)
    if tries_today(applicant) >= settings.IDENTITY_SELFIE_TRIES_PER_DAY:
        raise VerificationError(notices.TRIES_USED % {"tries": settings.IDENTITY_SELFIE_TRIES_PER_DAY})


def _reencoded(image: bytes) -> bytes:
    """The kept selfie: pixels only (no EXIF, no location), upright, 640 px at most."""
    try:
        pixels = faces.decode(image)
    except ValueError as exc:
        raise VerificationError(notices.retake_advice("unreadable"), field="photo") from exc
    output = io.BytesIO()
    Image.fromarray(pixels).save(output, format="JPEG", quality=88)
    return output.getvalue()


def _checked_frames(selfie: Selfie) -> list[bytes]:
    frames = list(selfie.frames)
    if not frames or len(frames) > MAX_FRAMES or any(len(f) > MAX_FRAME_BYTES for f in frames):
        raise VerificationError(notices.retake_advice("unreadable"), field="photo")
    for frame in frames:
        try:
            with Image.open(io.BytesIO(frame)) as probe:
                probe.verify()
        except (UnidentifiedImageError, OSError) as exc:
            raise VerificationError(notices.retake_advice("unreadable"), field="photo") from exc
    return frames


def selfie_challenge(applicant: Applicant) -> IssuedChallenge:
    """The challenge the selfie page shows (and its form sends back with the burst)."""
    return challenge_issue(user_id=applicant.user_id, purpose=SELFIE)


def selfie_challenge_use(applicant: Applicant, challenge: str) -> tuple[str, ...]:
    """The steps of the challenge the page showed, used up; refused (no try counted) if the
    token is missing, unknown, someone else's, used or expired."""
    try:
        return challenge_use(token=challenge, user_id=applicant.user_id, purpose=SELFIE)
    except ChallengeRefused as exc:
        raise VerificationError(notices.CHALLENGE_STALE, field="photo") from exc


def identity_verify(
    *,
    applicant: Applicant,
    birth_place: str,
    selfie: Selfie,
    steps: Sequence[str] = (),
    reference: str = "",
) -> IdentityVerification:
    """`steps`: those of the challenge the page showed, used up when the burst arrived
    (`identity_verify_queue`); an uploaded photo has none."""
    _refuse_unless_open(applicant)
    frames = _checked_frames(selfie)
    camera = selfie.source == VerificationSource.CAMERA
    if not camera:
        steps = ()
    provider = identity_provider()
    reference = reference or secrets.token_hex(16)  # a queued job's own (selfie_check_run)
    claim = IdentityClaim(
        nik=decrypt_value(applicant.nik_encrypted or b""),
        full_name=applicant.full_name,
        birth_date=applicant.birth_date or dt.date.min,  # checked by _refuse_unless_open
        birth_place=birth_place.strip(),
    )
    kept = _reencoded(frames[0])
    try:
        liveness = provider.liveness(reference=f"{reference}-l", frames=frames, challenge=steps) if camera else None
        data = provider.data_match(reference=f"{reference}-d", claim=claim)
        face = provider.face_match(reference=f"{reference}-f", nik=claim.nik, selfie=kept)
    except IdentityProviderUnavailable as exc:
        raise RegistryUnavailable(notices.UNAVAILABLE) from exc
    ours = faces.analyse(kept)
    if camera and ours.descriptor is not None and not ours.problem:
        # The kept frame must be the face that blinked: the burst's last frame is that face.
        last = faces.analyse(frames[-1])
        if last.descriptor is None or faces.distance(last.descriptor, ours.descriptor) > faces.SAME_FACE_MAX_DISTANCE:
            liveness = Liveness(False, "face_changed", liveness.provider_reference if liveness else "")

    reasons: list[str] = []
    if not data.found:
        reasons.append(ReviewReason.NOT_FOUND)
    elif not data.matched:
        reasons.append(ReviewReason.DATA_MISMATCH)
    if face.problem == "no_reference":
        reasons.append(ReviewReason.NO_REFERENCE)
    elif not face.problem and not face.matched:
        reasons.append(ReviewReason.FACE_MISMATCH)
    if not camera:
        reasons.append(ReviewReason.NO_LIVENESS)
    photo_problem = face.problem if face.problem != "no_reference" else ours.problem
    if photo_problem or (liveness is not None and not liveness.live):
        status = VerificationStatus.RETAKE
        reasons = []
    elif reasons:
        status = VerificationStatus.REVIEW
    else:
        status = VerificationStatus.VERIFIED

    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        _refuse_unless_open(locked)  # a second tab may have finished first
        verification = IdentityVerification(
            applicant=locked,
            reference=reference,
            status=status,
            source=selfie.source,
            review_reasons=[str(r) for r in reasons],
            data_match=data.as_json(),
            face_score=face.score,
            face_problem=photo_problem,
            live=liveness.live if liveness else None,
            liveness_reason=liveness.reason if liveness else "",
            provider_references={
                "data": data.provider_reference,
                "face": face.provider_reference,
                **({"liveness": liveness.provider_reference} if liveness else {}),
            },
        )
        if status != VerificationStatus.RETAKE:
            verification.selfie.save("selfie.bin", ContentFile(encrypt_bytes(kept)), save=False)
            if ours.descriptor is not None:
                verification.descriptor_encrypted = encrypt_bytes(faces.descriptor_bytes(ours.descriptor))
        verification.save()
        locked.birth_place = claim.birth_place
        fields = ["birth_place", "updated_at"]
        if status == VerificationStatus.VERIFIED:
            locked.identity_verified_at = timezone.now()
            fields.append("identity_verified_at")
            if ours.descriptor is not None:
                # Searchable at once by every session face check (the joki search).
                face_index_put(applicant_id=locked.pk, descriptor=ours.descriptor)
        locked.save(update_fields=fields)
    return verification


def identity_review_decide(
    *, verification: IdentityVerification, approve: bool, note: str, actor: Actor
) -> IdentityVerification:
    """A verifier's decision on a mismatch, after comparing the photos: approved counts as
    verified; rejected leaves the identity unverified (the applicant may try again)."""
    with transaction.atomic():
        locked = IdentityVerification.objects.select_for_update().get(pk=verification.pk)
        if locked.status != VerificationStatus.REVIEW:
            raise VerificationError(notices.ALREADY_DECIDED)
        if not approve and not note.strip():
            raise VerificationError(notices.REASON_NEEDED, field="decision_note")
        locked.status = VerificationStatus.APPROVED if approve else VerificationStatus.REJECTED
        locked.decided_by = actor.person
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            Applicant.objects.filter(pk=locked.applicant_id, identity_verified_at=None).update(
                identity_verified_at=locked.decided_at, updated_at=locked.decided_at
            )
            if locked.descriptor_encrypted is not None:
                face_index_put(
                    applicant_id=locked.applicant_id,
                    descriptor=faces.descriptor_from(decrypt_bytes(bytes(locked.descriptor_encrypted))),
                )
        audit_record(
            actor=actor,
            action="identity.review_approved" if approve else "identity.review_rejected",
            target=locked,
            payload={"verification": locked.pk, "reasons": locked.review_reasons},
        )
    return locked


# -- queued on the `identity` workers -------------------------------------------------------------


def identity_verify_queue(*, applicant: Applicant, birth_place: str, selfie: Selfie, challenge: str = "") -> FaceJob:
    """The selfie page's write: what refuses at once is refused here (the step, the tries, the
    upload's sizes and count, images that do not decode); the frames are stored encrypted and
    the check queued. One at a time per person: a second send while one is being checked is
    that one."""
    _refuse_unless_open(applicant)
    frames = _checked_frames(selfie)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        waiting = face_job_unfinished(user_id=locked.user_id, kind=FaceJobKind.SELFIE)
        if waiting is not None:
            return waiting
        # The challenge is used up now, when the burst arrives (not when a worker gets to it,
        # which may be after its expiry); the job carries its steps.
        camera = selfie.source == VerificationSource.CAMERA
        steps = list(selfie_challenge_use(locked, challenge)) if camera else []
        return face_job_create(
            kind=FaceJobKind.SELFIE,
            user_id=locked.user_id,
            frames=frames,
            params={"source": str(selfie.source)},
            private={"birth_place": birth_place, "steps": steps},
        )


def selfie_check_run(*, job_id: str, may_retry: bool, task_id: str = "") -> str:
    """An `identity` worker's run of a queued selfie: `identity_verify` with the job's reference,
    so a second run (a duplicate message, a retry after a dead worker) finds the first run's
    verification instead of counting another try. A registry outage releases the job for a
    retry (`"retry"`), or, the retries spent, ends it as `unavailable`: nothing counted, the
    person asked to try later. Returns what happened."""
    claimed = face_job_claim(job_id=job_id, task_id=task_id)
    if claimed is None:
        return "skipped"
    job = claimed.job
    done = IdentityVerification.objects.filter(reference=job.reference).first()
    if done is None:
        applicant = Applicant.objects.get(user_id=job.user_id)
        selfie = Selfie(source=job.params.get("source", VerificationSource.CAMERA), frames=claimed.frames)
        with translation.override(job.language or None):
            try:
                done = identity_verify(
                    applicant=applicant,
                    birth_place=str(claimed.private.get("birth_place", "")),
                    selfie=selfie,
                    steps=[str(step) for step in claimed.private.get("steps", [])],
                    reference=job.reference,
                )
            except RegistryUnavailable:
                if may_retry:
                    face_job_release(job=job)
                    return "retry"
                face_job_finish(job=job, result={"error": "unavailable"}, failed=True)
                return "unavailable"
            except (VerificationError, IntegrityError) as error:
                # A duplicate run that finished first is this run's result; anything else is
                # the rules' refusal (verified meanwhile in another tab, the tries used...).
                done = IdentityVerification.objects.filter(reference=job.reference).first()
                if done is None:
                    if isinstance(error, IntegrityError):
                        raise
                    face_job_finish(job=job, result={"error": "refused", "message": error.message}, failed=True)
                    return "refused"
    face_job_finish(job=job, result={"verification": done.pk, "status": done.status})
    return str(done.status)
