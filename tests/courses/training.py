"""Test helper: a purchase's training done as the institution reports it (through the
services the protocol calls), started long enough ago for the course's minimum duration."""

import datetime as dt
from typing import Any

from django.utils import timezone

from courses.models import CourseSession, RedeemCode
from courses.services.redemption import practice_feedback_record, redeem_code_commit
from partners.models import Purchase


def training_done(
    code: RedeemCode, *, sessions: list[int] | None = None, tasks: bool = True, started: dt.datetime | None = None
) -> RedeemCode:
    """Attend `sessions` (default all planned; those already reported are left), submit and
    assess their required tasks (unless `tasks` is False), and move the start back to `started` (default: the course's
    minimum duration and a minute ago)."""
    code = RedeemCode.objects.select_related("course", "schedule").get(pk=code.pk)
    plan = list(CourseSession.objects.filter(course=code.course).order_by("sequence"))
    at = code.schedule.starts_at if code.schedule is not None else timezone.now()
    for session in plan:
        if sessions is not None and session.sequence not in sessions:
            continue
        if not code.attendances.filter(sequence=session.sequence).exists():
            redeem_code_commit(code=code.code, institution_id=code.institution_id, sequence=session.sequence, now=at)
        done = code.practice_tasks.filter(sequence=session.sequence).values_list("status", flat=True).first()
        if tasks and session.practice_task_required and done != "assessed":
            for status in ("submitted", "assessed")[1 if done else 0 :]:
                practice_feedback_record(
                    code=code.code,
                    institution_id=code.institution_id,
                    scope="tpm",
                    sequence=session.sequence,
                    notes="Tugas dikerjakan dengan baik.",
                    url_file=f"https://lp.example/tugas/{code.code}/{session.sequence}.pdf",
                    status=status,
                )
    hours = code.course.min_duration_hours or 0
    started = started or min(at, timezone.now()) - dt.timedelta(hours=hours, minutes=1)
    RedeemCode.objects.filter(pk=code.pk).update(used_at=started)
    Purchase.objects.filter(redeem_code_id=code.pk).update(started_at=started)
    code.refresh_from_db()
    return code


def finished(purchase_id: Any) -> None:
    """Mark a paid purchase completed as the database accepts it: its training done (when it has
    a redeem code), started, a certificate number, completed now (tests of other rules)."""
    purchase = Purchase.objects.get(pk=purchase_id)
    if purchase.redeem_code_id is not None:
        training_done(RedeemCode.objects.get(pk=purchase.redeem_code_id))
        purchase.refresh_from_db()
    now = timezone.now()
    Purchase.objects.filter(pk=purchase.pk).update(
        status="completed",
        certificate_number=f"T-{str(purchase.pk)[:8]}",
        started_at=purchase.started_at or now - dt.timedelta(days=1),
        completed_at=now,
    )
