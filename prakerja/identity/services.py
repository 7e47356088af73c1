"""The face checks' jobs on the `identity` queue (issue 22).

The selfie check (about 1 s of dlib work and three registry calls) and the face check at every
training session (about 0.5 s) run on workers of their own, not in the web request:
- the request checks what is cheap (the upload's sizes, count, that the images decode, the
  rules that refuse at once) and calls `face_job_create`: the frames are stored encrypted in a
  `FaceJob` row and the check is queued by name once the transaction commits;
- the worker's task takes the job with `face_job_claim` (None: finished, unknown, or another
  worker is on it), runs the existing check, and writes the outcome with `face_job_finish`,
  which empties the frames; a second run finds the first run's result by the job's reference,
  so a retried or duplicated task counts no try or failure twice;
- `face_job_sweep` (beat, every minute) queues again what a killed worker or a lost message
  left, and gives up on what waited too long ("try again later", nothing counted).
The page polls the job's status (`prakerja.identity.views.face_job_status`), owner only.
"""

import datetime as dt
import json
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from prakerja.core.crypto import decrypt_bytes, encrypt_bytes
from prakerja.core.queueing import enqueue_after_commit
from prakerja.identity.models import FACE_JOB_FINISHED, FaceJob, FaceJobKind, FaceJobStatus

# Each kind's task, on the `identity` queue (CELERY_TASK_ROUTES: identity.*).
TASKS = {FaceJobKind.SELFIE: "identity.selfie_check", FaceJobKind.SESSION: "identity.session_check"}
UNFINISHED = (FaceJobStatus.PENDING, FaceJobStatus.CHECKING)
SWEEP_BATCH = 500
PRUNE_BATCH = 10_000


def _pack(parts: Sequence[bytes]) -> bytes:
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _unpack(data: bytes) -> list[bytes]:
    parts, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from(">I", data, at)
        parts.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return parts


def face_job_create(
    *,
    kind: str,
    user_id: int,
    frames: Sequence[bytes],
    params: dict[str, Any] | None = None,
    private: dict[str, Any] | None = None,
) -> FaceJob:
    """A pending job: the frames and `private` (personal inputs) encrypted, `params` as they
    are; its task is queued once the caller's transaction commits."""
    job = FaceJob.objects.create(
        kind=kind,
        user_id=user_id,
        reference=secrets.token_hex(16),
        params=params or {},
        payload_encrypted=encrypt_bytes(_pack([json.dumps(private or {}).encode(), *frames])),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    enqueue_after_commit(TASKS[FaceJobKind(kind)], job_id=str(job.pk))
    return job


def face_job_unfinished(*, user_id: int, kind: str, **params: Any) -> FaceJob | None:
    """This person's job of this kind (and these params) still waiting or being checked."""
    lookup = {f"params__{name}": value for name, value in params.items()}
    return (
        FaceJob.objects.filter(user_id=user_id, kind=kind, status__in=UNFINISHED, **lookup)
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True)
class ClaimedJob:
    job: FaceJob
    private: dict[str, Any]
    frames: list[bytes]


def face_job_claim(*, job_id: str, task_id: str = "") -> ClaimedJob | None:
    """Take the job for this run (`task_id`: the Celery message's id), with its frames; None
    when it is finished (a duplicate message), unknown (another database's message), or being
    checked by another message's run that may be alive (claimed less than
    IDENTITY_JOB_STALE_S ago). The same message again means its first delivery's process died
    (acks late: redelivered only then), so it takes the job over at once."""
    stale = timezone.now() - dt.timedelta(seconds=settings.IDENTITY_JOB_STALE_S)
    with transaction.atomic():
        job = FaceJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished or job.payload_encrypted is None:
            return None
        redelivered = bool(task_id) and job.claimed_by == task_id
        if job.status == FaceJobStatus.CHECKING and job.updated_at > stale and not redelivered:
            return None
        job.status = FaceJobStatus.CHECKING
        job.attempts += 1
        job.claimed_by = task_id
        job.save(update_fields=["status", "attempts", "claimed_by", "updated_at"])
    parts = _unpack(decrypt_bytes(job.payload_encrypted))
    return ClaimedJob(job=job, private=json.loads(parts[0] or b"{}"), frames=parts[1:])


def face_job_finish(*, job: FaceJob, result: dict[str, Any], failed: bool = False) -> bool:
    """Write the outcome and drop the frames; False when another run finished it first."""
    with transaction.atomic():
        locked = FaceJob.objects.select_for_update().get(pk=job.pk)
        if locked.finished:
            return False
        locked.status = FaceJobStatus.FAILED if failed else FaceJobStatus.DONE
        locked.result = result
        locked.payload_encrypted = None
        locked.save(update_fields=["status", "result", "payload_encrypted", "updated_at"])
    job.status, job.result, job.payload_encrypted = locked.status, locked.result, None
    return True


def face_job_release(*, job: FaceJob) -> None:
    """Back to pending: the task retries later (the registry was unavailable)."""
    FaceJob.objects.filter(pk=job.pk, status=FaceJobStatus.CHECKING).update(
        status=FaceJobStatus.PENDING, updated_at=timezone.now()
    )


def face_job_sweep() -> int:
    """Jobs left behind: checking with no news for IDENTITY_JOB_STALE_S (its worker died), or
    pending for IDENTITY_JOB_RESEND_S (the message was lost), are queued again; those older
    than IDENTITY_JOB_GIVE_UP_S or tried IDENTITY_JOB_MAX_ATTEMPTS times end as `unavailable`
    (the person is asked to try later; no try or failure counted); finished jobs older than
    IDENTITY_JOB_KEEP_DAYS are removed. How many unfinished jobs were handled."""
    now = timezone.now()
    checking_stale = now - dt.timedelta(seconds=settings.IDENTITY_JOB_STALE_S)
    pending_stale = now - dt.timedelta(seconds=settings.IDENTITY_JOB_RESEND_S)
    give_up = now - dt.timedelta(seconds=settings.IDENTITY_JOB_GIVE_UP_S)
    left = Q(status=FaceJobStatus.CHECKING, updated_at__lt=checking_stale) | Q(
        status=FaceJobStatus.PENDING, updated_at__lt=pending_stale
    )
    # Finished jobs are kept a few days (the checking page of an old link still answers), then
    # removed, a batch a minute: the rows they wrote (verifications, face checks) are the record.
    expired = FaceJob.objects.filter(
        status__in=FACE_JOB_FINISHED, updated_at__lt=now - dt.timedelta(days=settings.IDENTITY_JOB_KEEP_DAYS)
    ).values("pk")[:PRUNE_BATCH]
    FaceJob.objects.filter(pk__in=expired).delete()
    handled = 0
    for job in FaceJob.objects.filter(left).order_by("updated_at").defer("payload_encrypted")[:SWEEP_BATCH]:
        if job.created_at < give_up or job.attempts >= settings.IDENTITY_JOB_MAX_ATTEMPTS:
            handled += face_job_finish(job=job, result={"error": "unavailable"}, failed=True)
            continue
        with transaction.atomic():
            # Only if nobody touched it since it was read (a worker may have claimed it); back
            # to pending, so that the message sent now may claim it.
            if FaceJob.objects.filter(left, pk=job.pk).update(status=FaceJobStatus.PENDING, updated_at=now):
                enqueue_after_commit(TASKS[FaceJobKind(job.kind)], job_id=str(job.pk))
                handled += 1
    return handled


def face_job_of(*, job_id: str, user_id: int, kind: str | None = None) -> FaceJob | None:
    """The job if it is this person's (the status page and endpoint answer 404 otherwise)."""
    jobs = FaceJob.objects.filter(pk=job_id, user_id=user_id).defer("payload_encrypted")
    return (jobs.filter(kind=kind) if kind else jobs).first()
