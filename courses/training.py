"""Reads of a participant's training: each planned session attended or not, each required
practice task submitted and assessed or not, and the least time from start to completion.

`training_problems` is the one statement of "the training was done": the purchase's completion
(in partners/, above) refuses while it lists anything, and the participant's dashboard shows
the same progress."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Attendance, CourseSession, PracticeTask, PracticeTaskStatus, RedeemCode


@dataclass(frozen=True)
class SessionProgress:
    sequence: int
    title: str
    attended: bool
    task_required: bool
    # "" (nothing yet), "submitted" or "assessed"
    task_status: str = ""

    @property
    def task_done(self) -> bool:
        return not self.task_required or self.task_status == PracticeTaskStatus.ASSESSED


@dataclass(frozen=True)
class TrainingProblem:
    """One thing still missing; `kind` and `session` are for machines, `message` for people."""

    kind: str
    message: str
    session: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "session": self.session, "message": self.message, **self.extra}


@dataclass(frozen=True)
class TrainingProgress:
    sessions: list[SessionProgress]
    started_at: dt.datetime | None
    min_duration_hours: int | None

    @property
    def attended_count(self) -> int:
        return sum(1 for s in self.sessions if s.attended)

    @property
    def tasks_pending(self) -> list[SessionProgress]:
        return [s for s in self.sessions if not s.task_done]

    @property
    def earliest_completion(self) -> dt.datetime | None:
        if self.started_at is None or not self.min_duration_hours:
            return self.started_at
        return self.started_at + dt.timedelta(hours=self.min_duration_hours)


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def training_problems(progress: TrainingProgress, *, at: dt.datetime) -> list[TrainingProblem]:
    """Everything that stops the training counting as done at `at` (empty: it is done)."""
    problems: list[TrainingProblem] = []
    if not progress.sessions:
        problems.append(TrainingProblem("no_session_plan", _("The course has no session plan.")))
    for session in progress.sessions:
        if not session.attended:
            problems.append(
                TrainingProblem(
                    "session_not_attended",
                    _("Session %(n)s was not attended.") % {"n": session.sequence},
                    session.sequence,
                )
            )
        if session.task_required and session.task_status == "":
            problems.append(
                TrainingProblem(
                    "practice_task_not_submitted",
                    _("The practice task of session %(n)s was not submitted.") % {"n": session.sequence},
                    session.sequence,
                )
            )
        elif session.task_required and session.task_status != PracticeTaskStatus.ASSESSED:
            problems.append(
                TrainingProblem(
                    "practice_task_not_assessed",
                    _("The practice task of session %(n)s was not assessed yet.") % {"n": session.sequence},
                    session.sequence,
                )
            )
    earliest = progress.earliest_completion
    if progress.min_duration_hours and earliest is not None and at < earliest:
        problems.append(
            TrainingProblem(
                "minimum_duration",
                _("The course takes at least %(hours)s hours from its start: it can be completed from %(when)s.")
                % {"hours": progress.min_duration_hours, "when": _when(earliest)},
                extra={"minimum_hours": progress.min_duration_hours, "earliest_completion": earliest.isoformat()},
            )
        )
    return problems


def training_progress_many(redeem_codes: Iterable[RedeemCode]) -> dict[int, TrainingProgress]:
    """Progress per redeem code id, in three queries whatever the number of codes (the
    codes' courses must be loaded, e.g. select_related("redeem_code__course"))."""
    codes = [c for c in redeem_codes if c is not None]
    if not codes:
        return {}
    course_ids = {c.course_id for c in codes}
    plan: dict[int, list[CourseSession]] = defaultdict(list)
    for session in CourseSession.objects.filter(course_id__in=course_ids).order_by("sequence"):
        plan[session.course_id].append(session)
    code_ids = [c.pk for c in codes]
    attended: dict[int, set[int]] = defaultdict(set)
    for code_id, sequence in Attendance.objects.filter(redeem_code_id__in=code_ids).values_list(
        "redeem_code_id", "sequence"
    ):
        attended[code_id].add(sequence)
    tasks: dict[tuple[int, int], str] = {
        (code_id, sequence): status
        for code_id, sequence, status in PracticeTask.objects.filter(redeem_code_id__in=code_ids).values_list(
            "redeem_code_id", "sequence", "status"
        )
    }
    return {
        code.pk: TrainingProgress(
            sessions=[
                SessionProgress(
                    sequence=s.sequence,
                    title=s.title,
                    attended=s.sequence in attended[code.pk],
                    task_required=s.practice_task_required,
                    task_status=tasks.get((code.pk, s.sequence), ""),
                )
                for s in plan[code.course_id]
            ],
            started_at=code.used_at,
            min_duration_hours=code.course.min_duration_hours,
        )
        for code in codes
    }


def training_progress(redeem_code: RedeemCode) -> TrainingProgress:
    return training_progress_many([redeem_code])[redeem_code.pk]
