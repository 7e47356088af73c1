"""Issuing and cancelling redeem codes (the purchase flow calls these)."""

import datetime as dt
import hashlib
import re
import secrets
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.errors import CourseError
from courses.hooks import redeem_code_used_tell
from courses.models import (
    Attendance,
    AttendanceLink,
    Course,
    CourseSession,
    LearningMethod,
    PracticeFeedback,
    PracticeTask,
    PracticeTaskStatus,
    RedeemCode,
    RedeemCodeStatus,
    Schedule,
    TrainingInstitution,
)
from courses.models.catalogue import SCHEDULED_METHODS
from courses.services.redemption_sql import redeem_code_row, redeem_code_use_if_plain

# No 0/O, 1/I/L: codes are read aloud and typed from screens.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ≈ 7.9e17: not guessable


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def redeem_code_issue(
    *, course: Course, schedule: Schedule | None = None, invoice_code: str = "", platform_name: str = ""
) -> RedeemCode:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return RedeemCode.objects.create(
                    code=_new_code(),
                    institution_id=course.institution_id,
                    course=course,
                    schedule=schedule,
                    method=course.method,
                    invoice_code=invoice_code,
                    platform_name=platform_name,
                )
        except IntegrityError as exc:
            if "redeem_code_unique" not in str(exc):
                raise
    raise RuntimeError("could not draw a free redeem code")


class RedeemCodeUsed(CourseError):
    pass


def redeem_code_cancel(*, redeem_code: RedeemCode, reason: str = "transaction") -> RedeemCode:
    """Cancel an unused code (the purchase was cancelled). A used code cannot be cancelled."""
    with transaction.atomic():
        locked = RedeemCode.objects.select_for_update().get(pk=redeem_code.pk)
        if locked.status == RedeemCodeStatus.USED:
            raise RedeemCodeUsed("The redeem code has been used: the training has started.")
        if locked.status == RedeemCodeStatus.ISSUED:
            locked.status = RedeemCodeStatus.CANCELLED
            locked.cancelled_at = timezone.now()
            locked.cancel_reason = reason
            locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        return locked


class RedeemCodeRefused(CourseError):
    """Why a code cannot be used; `reason` is stable (the protocol's error cases)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


SESSION_WINDOW = dt.timedelta(hours=1)
REDEEM_CODE_FORMAT = re.compile(r"[A-Za-z0-9]{1,16}", re.ASCII)


def redeem_code_find(*, code: str, institution_id: int, for_update: bool = False) -> RedeemCode:
    """The code if it belongs to this institution; refused (not found / another institution).
    Read with its course and schedule, and `has_attendance`, in one statement."""
    if not REDEEM_CODE_FORMAT.fullmatch(code.strip()):
        # Not a code that could exist (and a NUL byte or an overlong string would not even reach
        # the database intact): the same answer as an unknown code.
        raise RedeemCodeRefused("not_found", _("Redeem code not found."))
    found = redeem_code_row(code=code.strip().upper(), for_update=for_update)
    if found is None:
        raise RedeemCodeRefused("not_found", _("Redeem code not found."))
    if found.institution_id != institution_id:
        raise RedeemCodeRefused("other_institution", _("This redeem code belongs to another training institution."))
    return found


def redeem_code_commit(
    *, code: str, institution_id: int, sequence: int | None = None, now: dt.datetime | None = None
) -> RedeemCode:
    """The institution declares the code used (the participant started the course), or records
    attendance of session `sequence` of a scheduled course. A webinar's first session (a commit
    without a sequence, or sequence 1) is recorded only from one hour before to one hour after
    the schedule's start; a later session of a multi-session webinar anywhere from one hour
    before the schedule's start to one hour after its end (a schedule holds no time per session).
    The purchase
    above learns of the first use through the `courses.hooks.REDEEM_CODE_USED` registry, in this transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        if sequence is None and REDEEM_CODE_FORMAT.fullmatch(code.strip()):
            # The usual call, a first use that no rule below holds back, is one statement;
            # anything else (used, cancelled, another institution's, a webinar's window) is
            # decided by the rules below, on the row they lock.
            used = redeem_code_use_if_plain(code=code.strip().upper(), institution_id=institution_id, now=now)
            if used is not None:
                redeem_code_used_tell(used)
                return used
        locked = redeem_code_find(code=code, institution_id=institution_id, for_update=True)
        if locked.status == RedeemCodeStatus.CANCELLED:
            if locked.cancel_reason == "transaction":
                raise RedeemCodeRefused("transaction_cancelled", _("The purchase of this code was cancelled."))
            raise RedeemCodeRefused("cancelled", _("This redeem code was cancelled."))
        session = None
        if sequence is not None:
            session = _planned_session(locked, sequence)
        if sequence is None and locked.status == RedeemCodeStatus.USED:
            raise RedeemCodeRefused("already_used", _("This redeem code has already been used."))
        # A webinar code is used by attending its session, so its first use is held to the
        # session's window as well, with or without a sequence.
        if locked.method == LearningMethod.WEBINAR and locked.schedule is not None:
            start = locked.schedule.starts_at
            later_session = sequence is not None and sequence > 1
            end = locked.schedule.ends_at if later_session else start
            if not start - SESSION_WINDOW <= now <= end + SESSION_WINDOW:
                raise RedeemCodeRefused(
                    "outside_window",
                    _("Attendance can be recorded from one hour before to one hour after the session starts.")
                    if not later_session
                    else _("Attendance of this webinar's sessions can be recorded only while its schedule runs."),
                )
        if sequence is not None:
            if Attendance.objects.filter(redeem_code=locked, sequence=sequence).exists():
                raise RedeemCodeRefused("already_used", _("This session was already recorded for this code."))
            Attendance.objects.create(redeem_code=locked, sequence=sequence, session=session)
            locked.has_attendance = True  # type: ignore[attr-defined]
        first_use = locked.status == RedeemCodeStatus.ISSUED
        if first_use:
            locked.status = RedeemCodeStatus.USED
            locked.used_at = now
            locked.save(update_fields=["status", "used_at"])
            redeem_code_used_tell(locked)
        return locked


def _planned_session(code: RedeemCode, sequence: int) -> CourseSession | None:
    """The planned session `sequence` of the code's course; a number outside the plan is
    refused (a course without a plan, from before plans existed, takes any number)."""
    sessions = {s.sequence: s for s in CourseSession.objects.filter(course_id=code.course_id)}
    if not sessions:
        return None
    if sequence not in sessions:
        raise RedeemCodeRefused(
            "unknown_session",
            _("This course has %(count)s planned sessions; session %(sequence)s is not one of them.")
            % {"count": len(sessions), "sequence": sequence},
        )
    return sessions[sequence]


def practice_feedback_record(
    *,
    code: str,
    institution_id: int,
    scope: str,
    sequence: int,
    notes: str,
    url_file: str,
    status: str = PracticeTaskStatus.ASSESSED,
    now: dt.datetime | None = None,
) -> RedeemCode:
    """The practice task of session `sequence`: submitted by the participant (`status`
    "submitted", `url_file` the work handed in) or assessed by the institution ("assessed",
    the default: the endpoint carries the institution's feedback, `notes`). Both are kept on
    the session's PracticeTask, which completion checks; the feedback is also kept as history
    and shown to the participant."""
    now = now or timezone.now()
    with transaction.atomic():
        found = redeem_code_find(code=code, institution_id=institution_id, for_update=True)
        if found.status == RedeemCodeStatus.CANCELLED:
            raise RedeemCodeRefused("cancelled", _("This redeem code was cancelled."))
        session = _planned_session(found, sequence)
        if session is not None:
            if found.status != RedeemCodeStatus.USED:
                raise RedeemCodeRefused("not_started", _("The training has not started: commit the redeem code first."))
            _practice_task_record(code=found, session=session, status=status, notes=notes, url_file=url_file, now=now)
        if status == PracticeTaskStatus.ASSESSED:
            PracticeFeedback.objects.create(
                redeem_code=found, scope=scope[:100], sequence=sequence, notes=notes[:5000], url_file=url_file
            )
        return found


def _practice_task_record(
    *, code: RedeemCode, session: CourseSession, status: str, notes: str, url_file: str, now: dt.datetime
) -> PracticeTask:
    task = PracticeTask.objects.filter(redeem_code=code, sequence=session.sequence).first()
    if task is None:
        task = PracticeTask(redeem_code=code, session=session, sequence=session.sequence, submitted_at=now)
    elif task.status == PracticeTaskStatus.ASSESSED and status == PracticeTaskStatus.SUBMITTED:
        raise RedeemCodeRefused("already_assessed", _("This session's practice task has already been assessed."))
    task.url_file = url_file
    task.status = status
    if status == PracticeTaskStatus.ASSESSED:
        task.notes = notes[:5000]
        task.assessed_at = now
    task.save()
    return task


ATTENDANCE_LINK_TTL = dt.timedelta(minutes=30)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def attendance_redirect_allowed(*, redirect_uri: str, hosts: list[str]) -> bool:
    """The participant is sent back to `redirect_uri` with the redeem code in its query: only
    over https, to a host the institution registered, exactly (no user part, no backslash, which
    browsers read as a slash and so as another host)."""
    if "\\" in redirect_uri or not redirect_uri.isascii():
        return False
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return False
    if parts.scheme != "https" or "@" in parts.netloc or not parts.hostname:
        return False
    return parts.hostname.rstrip(".") in {host.lower() for host in hosts}


def attendance_link_create(
    *, code: str, institution_id: int, sequence: int, redirect_uri: str, email: str
) -> tuple[RedeemCode, str]:
    """A one-time URL on the portal where the participant confirms attendance of a session.
    Only a hash of its token is stored; it expires in 30 minutes and works once."""
    hosts = TrainingInstitution.objects.values_list("attendance_redirect_hosts", flat=True).get(pk=institution_id)
    if not attendance_redirect_allowed(redirect_uri=redirect_uri, hosts=hosts):
        raise RedeemCodeRefused(
            "redirect_not_allowed",
            _("redirect_uri must be an https address on a host registered for your institution."),
        )
    found = redeem_code_find(code=code, institution_id=institution_id)
    if found.status == RedeemCodeStatus.CANCELLED:
        raise RedeemCodeRefused("cancelled", _("This redeem code was cancelled."))
    if found.method not in SCHEDULED_METHODS:
        raise RedeemCodeRefused("wrong_course_type", _("Sessions are recorded only for scheduled courses."))
    token = secrets.token_urlsafe(32)
    AttendanceLink.objects.create(
        token_hash=_token_hash(token),
        redeem_code=found,
        sequence=sequence,
        redirect_uri=redirect_uri,
        email=email.strip().lower(),
        expires_at=timezone.now() + ATTENDANCE_LINK_TTL,
    )
    return found, token


def attendance_link_find(*, token: str) -> AttendanceLink | None:
    return AttendanceLink.objects.select_related("redeem_code").filter(token_hash=_token_hash(token)).first()


def attendance_link_usable(link: AttendanceLink | None, *, email: str, holder: bool) -> AttendanceLink:
    """The link, if it may still be used by this person; else why not."""
    if link is None:
        raise RedeemCodeRefused("not_found", _("This attendance link is not valid."))
    if link.used_at is not None:
        raise RedeemCodeRefused("already_used", _("This attendance link has already been used."))
    if link.expires_at <= timezone.now():
        raise RedeemCodeRefused("expired", _("This attendance link has expired."))
    if not holder or email.strip().lower() != link.email:
        raise RedeemCodeRefused("other_participant", _("This attendance link was made for another participant."))
    return link


def attendance_link_close(*, token: str, email: str, holder: bool) -> AttendanceLink:
    """Use the link up without recording attendance (the face check failed for good)."""
    with transaction.atomic():
        link = attendance_link_usable(
            AttendanceLink.objects.select_for_update()
            .select_related("redeem_code")
            .filter(token_hash=_token_hash(token))
            .first(),
            email=email,
            holder=holder,
        )
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    return link


def attendance_link_use(*, token: str, email: str, holder: bool) -> tuple[AttendanceLink, str]:
    """Confirm attendance through a link: only once, before it expires, by the participant it
    was made for (`email`, and `holder`: the caller checked that this person holds the code).
    Returns the link and the result: "attended" or a refusal reason."""
    with transaction.atomic():
        link = (
            AttendanceLink.objects.select_for_update()
            .select_related("redeem_code")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        link = attendance_link_usable(link, email=email, holder=holder)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        try:
            with transaction.atomic():
                redeem_code_commit(
                    code=link.redeem_code.code, institution_id=link.redeem_code.institution_id, sequence=link.sequence
                )
            result = "attended"
        except RedeemCodeRefused as refused:
            result = refused.reason
        return link, result
