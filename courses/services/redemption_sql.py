"""The integration protocol's statements on redeem codes, spelled once per process
(prakerja.core.prepared_sql): the ORM compiled each of them on every call, which cost more CPU
than the database spent on them (docs/benchmarks.md, issue 21, fourth round).

The rules stay in courses.services.redemption; this module only reads and writes rows."""

import datetime as dt

from django.db import connections, router

from courses.models import Attendance, Course, LearningMethod, RedeemCode, RedeemCodeStatus, Schedule
from prakerja.core.prepared_sql import ModelColumns

_CODE = ModelColumns.of(RedeemCode)
# What the protocol's answers and rules read of the course and the schedule; the rest is deferred.
_COURSE = ModelColumns.of(Course, ("id", "institution_id", "code", "title", "method"))
_SCHEDULE = ModelColumns.of(Schedule, ("id", "course_id", "code", "starts_at", "ends_at"))
_ATTENDANCE = ModelColumns.of(Attendance, ("id", "redeem_code_id"))

# Names from the models only (prakerja.core.prepared_sql); every value is a parameter.
_JOINED = (
    f"{_CODE.select_list('rc')}, {_COURSE.select_list('c')}, {_SCHEDULE.select_list('s')}, "  # noqa: S608
    f"EXISTS (SELECT 1 FROM {_ATTENDANCE.table} a "
    f"WHERE a.{_ATTENDANCE.column('redeem_code_id')} = rc.{_CODE.column('id')})"
)
_JOINS = (
    f"JOIN {_COURSE.table} c ON c.{_COURSE.column('id')} = rc.{_CODE.column('course_id')} "
    f"LEFT JOIN {_SCHEDULE.table} s ON s.{_SCHEDULE.column('id')} = rc.{_CODE.column('schedule_id')}"
)
_FIND = f"SELECT {_JOINED} FROM {_CODE.table} rc {_JOINS} WHERE rc.{_CODE.column('code')} = %s LIMIT 1"  # noqa: S608
_FIND_FOR_UPDATE = f"{_FIND} FOR UPDATE OF rc"
# The first use of a code that no other rule holds back (issued, this institution's, no
# session window to check): locked and marked used by one statement. READ COMMITTED re-checks
# the conditions on the row once a concurrent commit of it has finished, so of two commits of
# one code only one finds it issued; the other falls back to the full rules (already used).
_USE = (
    f"WITH rc AS (UPDATE {_CODE.table} SET {_CODE.column('status')} = %s, {_CODE.column('used_at')} = %s "  # noqa: S608
    f"WHERE {_CODE.column('code')} = %s AND {_CODE.column('institution_id')} = %s "
    f"AND {_CODE.column('status')} = %s "
    f"AND NOT ({_CODE.column('method')} = %s AND {_CODE.column('schedule_id')} IS NOT NULL) "
    f"RETURNING {_CODE.select_list()}) "
    f"SELECT {_JOINED} FROM rc {_JOINS}"
)


def _code_of(alias: str, row: tuple[object, ...]) -> RedeemCode:
    """The code with its course and schedule loaded (as select_related would) and whether it
    has attendances (`has_attendance`, as an annotation would)."""
    course_at, schedule_at = len(_CODE), len(_CODE) + len(_COURSE)
    code = _CODE.instance(alias, row[:course_at])
    code.course = _COURSE.instance(alias, row[course_at:schedule_at])
    code.schedule = None if code.schedule_id is None else _SCHEDULE.instance(alias, row[schedule_at:-1])
    code.has_attendance = bool(row[-1])  # type: ignore[attr-defined]
    return code


def redeem_code_row(*, code: str, for_update: bool = False) -> RedeemCode | None:
    """The code (exactly as stored), with its course and schedule; locked with for_update."""
    alias = router.db_for_write(RedeemCode) if for_update else router.db_for_read(RedeemCode)
    with connections[alias].cursor() as cursor:
        cursor.execute(_FIND_FOR_UPDATE if for_update else _FIND, [code])
        row = cursor.fetchone()
    return None if row is None else _code_of(alias, row)


def redeem_code_use_if_plain(*, code: str, institution_id: int, now: dt.datetime) -> RedeemCode | None:
    """Marks the code used when it is issued, the institution's, and not a webinar code with a
    session (whose window the full rules check); None otherwise, changing nothing."""
    alias = router.db_for_write(RedeemCode)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            _USE,
            [
                RedeemCodeStatus.USED.value,
                now,
                code,
                institution_id,
                RedeemCodeStatus.ISSUED.value,
                LearningMethod.WEBINAR.value,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else _code_of(alias, row)
