"""The face check at every training session, queued on the `identity` workers (issue 22).

`attendance_face_check_queue` is the page's write: the link must still be usable by this person
and the burst must be a burst (a few frames, none too large, each an image); the frames are
stored encrypted in a job (prakerja.identity.services) and an `identity` worker runs
`session_check_run`, which is `attendance_face_check` with the job's reference: a second run of
the same job (a duplicate message, a retry after a dead worker) finds the first run's check and
finishes what it left (the link used or closed), never counting a second failure.
"""

import io
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from applicants.models import Applicant
from courses.models import Attendance, AttendanceFaceCheck, AttendanceLink, FaceCheckOutcome
from courses.services.face_check import (
    MAX_FRAMES,
    FaceCheckResult,
    attendance_face_check,
    face_check_challenge_use,
)
from courses.services.redemption import (
    RedeemCodeRefused,
    attendance_link_close,
    attendance_link_find,
    attendance_link_usable,
    attendance_link_use,
)
from prakerja.identity.models import FaceJob, FaceJobKind
from prakerja.identity.services import face_job_claim, face_job_create, face_job_finish, face_job_unfinished

MAX_FRAME_BYTES = 2 * 1024 * 1024
UNREADABLE = gettext_lazy("The pictures could not be read. Take the face check again with the camera.")


def _checked_frames(frames: Sequence[bytes]) -> list[bytes]:
    frames = list(frames)
    if not frames or len(frames) > MAX_FRAMES or any(len(f) > MAX_FRAME_BYTES for f in frames):
        raise RedeemCodeRefused("unreadable", str(UNREADABLE))
    for frame in frames:
        try:
            with Image.open(io.BytesIO(frame)) as probe:
                probe.verify()
        except (UnidentifiedImageError, OSError) as exc:
            raise RedeemCodeRefused("unreadable", str(UNREADABLE)) from exc
    return frames


def attendance_face_check_queue(
    *, token: str, applicant: Applicant, email: str, holder: bool, frames: Sequence[bytes], challenge: str = ""
) -> FaceJob:
    """Queue the face check of this link; a second send while one is being checked is that one.
    Refused at once: a link no longer usable by this person, a burst that is not one."""
    link = attendance_link_usable(attendance_link_find(token=token), email=email, holder=holder)
    checked = _checked_frames(frames)
    with transaction.atomic():
        AttendanceLink.objects.select_for_update().filter(pk=link.pk).first()  # one job per link at a time
        waiting = face_job_unfinished(user_id=applicant.user_id, kind=FaceJobKind.SESSION, link=link.pk)
        if waiting is not None:
            return waiting
        # The challenge is used up when the burst arrives; the job carries its steps.
        steps = face_check_challenge_use(link=link, user_id=applicant.user_id, challenge=challenge)
        return face_job_create(
            kind=FaceJobKind.SESSION,
            user_id=applicant.user_id,
            frames=checked,
            params={"link": link.pk, "holder": holder},
            private={"token": token, "steps": list(steps)},
        )


def _resumed(check: AttendanceFaceCheck, *, token: str, email: str, holder: bool) -> FaceCheckResult:
    """What a first run of the job left: the check is recorded; use or close the link if that
    run died before it did."""
    link = AttendanceLink.objects.select_related("redeem_code").get(pk=check.link_id)
    passed = check.outcome == FaceCheckOutcome.PASSED
    final = passed or check.reason == "no_verified_selfie" or bool(check.review_reason)
    if not final:
        return FaceCheckResult(check=check, link=link, final=False, status="face_check_failed")
    if link.used_at is None:
        if passed:
            used, status = attendance_link_use(token=token, email=email, holder=holder)
            return FaceCheckResult(check=check, link=used, final=True, status=status)
        closed = attendance_link_close(token=token, email=email, holder=holder)
        return FaceCheckResult(check=check, link=closed, final=True, status="face_check_failed")
    if not passed:
        return FaceCheckResult(check=check, link=link, final=True, status="face_check_failed")
    attended = Attendance.objects.filter(redeem_code_id=link.redeem_code_id, sequence=link.sequence).exists()
    return FaceCheckResult(check=check, link=link, final=True, status="attended" if attended else "already_used")


def session_check_run(*, job_id: str, task_id: str = "") -> str:
    """An `identity` worker's run of a queued session face check. Returns what happened."""
    claimed = face_job_claim(job_id=job_id, task_id=task_id)
    if claimed is None:
        return "skipped"
    job = claimed.job
    applicant = Applicant.objects.select_related("user").get(user_id=job.user_id)
    token, holder = str(claimed.private.get("token", "")), bool(job.params.get("holder"))
    email = applicant.user.email
    with translation.override(job.language or None):
        try:
            check = AttendanceFaceCheck.objects.filter(reference=job.reference).first()
            if check is None:
                try:
                    result = attendance_face_check(
                        token=token,
                        applicant=applicant,
                        email=email,
                        holder=holder,
                        frames=claimed.frames,
                        steps=[str(step) for step in claimed.private.get("steps", [])],
                        reference=job.reference,
                    )
                except IntegrityError:  # a duplicate run recorded it first
                    check = AttendanceFaceCheck.objects.get(reference=job.reference)
                    result = _resumed(check, token=token, email=email, holder=holder)
            else:
                result = _resumed(check, token=token, email=email, holder=holder)
        except RedeemCodeRefused as refused:  # the link expired or was used meanwhile
            face_job_finish(job=job, result={"error": "refused", "message": refused.message}, failed=True)
            return "refused"
    outcome: dict[str, Any] = {
        "check": result.check.pk,
        "outcome": result.check.outcome,
        "reason": result.check.reason,
        "final": result.final,
        "status": result.status,
        "link": result.link.pk,
    }
    face_job_finish(job=job, result=outcome)
    return str(result.check.outcome)
