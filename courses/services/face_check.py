"""The face check at every training session (issue 22).

The institution's attendance link opens a face-check page; the participant's live burst is
checked here, with the portal's own face engine (`prakerja.identity.faces`, dlib), against the
verified selfie of the identity verification:
- the challenge the page showed is used up first (`prakerja.identity.challenges`, bound to the
  participant and this link): a burst without a usable one is refused (`ChallengeStale`, the
  page shows a new one) before any face work, and counts no failure;
- liveness (the burst follows the challenge: head turns and a blink in the order asked), then
  the similarity to the verified selfie;
- the live face is also searched among every other verified face in the programme (the face
  search index, applicants.verification.face_index): one face on several accounts ("joki"),
  at any institution, fails at once and waits for a verifier;
- a failure may be retried on the page until FACE_CHECK_FAILURES_BEFORE_REVIEW failures of the
  same link; then the link is used up, the institution is told `face_check_failed`, and the
  case waits for a verifier;
- passed: attendance is recorded through `attendance_link_use`, exactly as before.
The live frame of a failed check is kept encrypted for the verifier; a passed check keeps none.
The page does not run it: an `identity` worker does (courses.services.face_check_queue).
"""

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from applicants.models import Applicant
from applicants.verification.face_index import face_index_match
from applicants.verification.selectors import verified_face
from courses.models import (
    AttendanceFaceCheck,
    AttendanceLink,
    FaceCheckOutcome,
    FaceCheckReview,
    FaceCheckReviewReason,
)
from courses.services.redemption import (
    RedeemCodeRefused,
    attendance_link_close,
    attendance_link_find,
    attendance_link_usable,
    attendance_link_use,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import encrypt_bytes
from prakerja.identity import faces
from prakerja.identity.challenges import FACE_CHECK, ChallengeRefused, IssuedChallenge, challenge_issue, challenge_use

MAX_FRAMES = 20  # the page sends 18: one before the challenge, 5 a step, 2 after


class ChallengeStale(RedeemCodeRefused):
    """The burst came without a usable challenge (none, expired, used, another link's)."""


def _subject(link: AttendanceLink) -> str:
    return f"link:{link.pk}"


def face_check_challenge(*, link: AttendanceLink, user_id: int) -> IssuedChallenge:
    """The challenge the face-check page of this link shows (its form sends it back)."""
    return challenge_issue(user_id=user_id, purpose=FACE_CHECK, subject=_subject(link))


def face_check_challenge_use(*, link: AttendanceLink, user_id: int, challenge: str) -> tuple[str, ...]:
    """The steps of the challenge this link's page showed, used up; refused as stale if none."""
    try:
        return challenge_use(token=challenge, user_id=user_id, purpose=FACE_CHECK, subject=_subject(link))
    except ChallengeRefused as exc:
        raise ChallengeStale(exc.reason, str(ADVICE["challenge_stale"])) from exc


@dataclass(frozen=True)
class FaceCheckResult:
    check: AttendanceFaceCheck
    link: AttendanceLink
    final: bool  # the link is used up: back to the institution
    status: str  # for the institution: "attended", "face_check_failed", or the commit's refusal


def _other_participant(link: AttendanceLink, applicant_id: int, live: np.ndarray) -> int | None:
    """Another applicant, anywhere in the programme (any institution, any time), whose verified
    face is this live face: searched in the face index, then compared exactly. `link` is not
    needed any more (the search is no longer the institution's)."""
    return face_index_match(live, exclude=applicant_id)


def _kept_frame(frame: bytes) -> bytes:
    output = io.BytesIO()
    Image.fromarray(faces.decode(frame)).save(output, format="JPEG", quality=85)
    return encrypt_bytes(output.getvalue())


def attendance_face_check(
    *,
    token: str,
    applicant: Applicant,
    email: str,
    holder: bool,
    frames: Sequence[bytes],
    steps: Sequence[str],
    reference: str = "",
) -> FaceCheckResult:
    """`steps`: those of the challenge the page showed, used up when the burst arrived
    (`attendance_face_check_queue`)."""
    link = attendance_link_usable(attendance_link_find(token=token), email=email, holder=holder)
    frames = list(frames)[:MAX_FRAMES]
    reason, score, other = "", None, None
    verified = verified_face(applicant.pk)
    if verified is None:
        reason = "no_verified_selfie"
    else:
        try:
            live = faces.liveness_check(frames, steps=steps)
        except ValueError:
            live = faces.LivenessCheck(False, "unreadable")
        if not live.live or live.descriptor is None:
            reason = live.reason or "no_face"
        else:
            score = faces.similarity(live.descriptor, verified)
            other = _other_participant(link, applicant.pk, live.descriptor)
            if other is not None:
                reason = "other_participant"
            elif not faces.same_person(live.descriptor, verified):
                reason = "face_mismatch"
    passed = not reason

    with transaction.atomic():
        locked = AttendanceLink.objects.select_for_update().get(pk=link.pk)
        failures = AttendanceFaceCheck.objects.filter(link=locked, outcome=FaceCheckOutcome.FAILED).count()
        check = AttendanceFaceCheck(
            link=locked,
            applicant=applicant,
            outcome=FaceCheckOutcome.PASSED if passed else FaceCheckOutcome.FAILED,
            reason=reason,
            score=score,
            matched_applicant_id=other,
            reference=reference,  # the queued job's (courses.services.face_check_queue)
        )
        final = passed or reason == "no_verified_selfie"
        if other is not None:
            check.review_status, check.review_reason = FaceCheckReview.PENDING, FaceCheckReviewReason.OTHER_PARTICIPANT
            final = True
        elif not passed and failures + 1 >= settings.FACE_CHECK_FAILURES_BEFORE_REVIEW:
            check.review_status, check.review_reason = FaceCheckReview.PENDING, FaceCheckReviewReason.REPEATED_FAILURES
            final = True
        if not passed and frames:
            with contextlib.suppress(ValueError):  # not an image: nothing to show a verifier
                check.frame.save("frame.bin", ContentFile(_kept_frame(frames[0])), save=False)
        check.save()

    if passed:
        used, status = attendance_link_use(token=token, email=email, holder=holder)
        return FaceCheckResult(check=check, link=used, final=True, status=status)
    if final:
        closed = attendance_link_close(token=token, email=email, holder=holder)
        return FaceCheckResult(check=check, link=closed, final=True, status="face_check_failed")
    return FaceCheckResult(check=check, link=link, final=False, status="face_check_failed")


ADVICE = {
    "face_mismatch": gettext_lazy(
        "The face does not match your verified selfie. Take the check yourself, facing the camera in good light."
    ),
    "no_blink": gettext_lazy(
        "We did not see you blink when asked. Look at the camera and blink once when the screen says so."
    ),
    "no_turn_left": gettext_lazy(
        "We did not see you turn your head to the left. Turn your head to your own left when the screen says "
        "so, then look back at the camera."
    ),
    "no_turn_right": gettext_lazy(
        "We did not see you turn your head to the right. Turn your head to your own right when the screen says "
        "so, then look back at the camera."
    ),
    "wrong_order": gettext_lazy(
        "Your movements did not follow the order shown. Take the photos again and do each step when it appears "
        "on the screen, one at a time."
    ),
    "challenge_stale": gettext_lazy(
        "The instructions on this page have expired or were already used. Take the photos again, following the "
        "new instructions."
    ),
    "no_face": gettext_lazy("No face was found. Hold the phone at eye level with your whole face in the frame."),
    "too_few_frames": gettext_lazy("Too few pictures arrived. Keep the page open until the camera has finished."),
    "face_changed": gettext_lazy("The face changed while the photos were taken. Take them again yourself."),
}


def face_check_advice(reason: str) -> str:
    return str(
        ADVICE.get(reason, gettext_lazy("The face check did not pass. Try again in good light, facing the camera."))
    )


def face_check_decide(*, check: AttendanceFaceCheck, attended: bool, note: str, actor: Actor) -> AttendanceFaceCheck:
    """A verifier's decision on a review item: cleared (the participant attended) or confirmed
    (someone else did: grounds for blocking, handled by the blacklist and clawback services)."""
    with transaction.atomic():
        locked = AttendanceFaceCheck.objects.select_for_update().get(pk=check.pk)
        if locked.review_status != FaceCheckReview.PENDING:
            raise RedeemCodeRefused("already_decided", _("This face check has already been decided."))
        locked.review_status = FaceCheckReview.CLEARED if attended else FaceCheckReview.CONFIRMED
        locked.decided_by = actor.person
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["review_status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="attendance.face_check_cleared" if attended else "attendance.face_check_confirmed",
            target=locked,
            payload={"face_check": locked.pk, "reason": locked.review_reason},
        )
    return locked
