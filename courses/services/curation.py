"""The curation workflow: draft -> submitted -> in review -> approved or rejected -> retired,
and revisions of approved courses reviewed while the approved version stays on sale."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Scheme
from courses.errors import CurationError
from courses.hooks import CourseDecided, course_decided_tell
from courses.models import Course, CourseSession, CourseStatus, LearningMethod
from courses.models.catalogue import SCHEDULED_METHODS
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

# Content a revision may change; identity, status and ratings are not content.
CONTENT_FIELDS = (
    "title",
    "description",
    "learning_outcomes",
    "category_id",
    "method",
    "total_hours",
    "language",
    "province_id",
    "regency_id",
    "price",
    "outside_price",
    "free_elsewhere",
    "is_bundle",
    "planned_sessions",
    "min_duration_hours",
)

ALLOWED: dict[str, set[str]] = {
    CourseStatus.DRAFT: {CourseStatus.SUBMITTED},
    CourseStatus.SUBMITTED: {CourseStatus.IN_REVIEW},
    # MERGED: an approved revision, whose content now lives on the course it revised.
    CourseStatus.IN_REVIEW: {CourseStatus.APPROVED, CourseStatus.REJECTED, CourseStatus.MERGED},
    CourseStatus.REJECTED: {CourseStatus.DRAFT},
    CourseStatus.APPROVED: {CourseStatus.RETIRED},
    CourseStatus.RETIRED: set(),
    CourseStatus.MERGED: set(),
}


def course_rule_problems(course: Course) -> list[str]:
    """Every curation rule the course breaks (empty when it may be approved)."""
    problems: list[str] = []
    if course.price > course.outside_price:
        problems.append(_("The Prakerja price may not exceed the price of the same course outside the programme."))
    if course.free_elsewhere:
        problems.append(_("A course offered free elsewhere cannot be sold on Prakerja."))
    if course.is_bundle:
        problems.append(_("Bundles of courses are not allowed."))
    scheme = Scheme.objects.in_force()
    if scheme is not None and course.total_hours < scheme.min_course_hours:
        problems.append(
            _("The scheme in force requires at least %(hours)s hours of training.") % {"hours": scheme.min_course_hours}
        )
    if not course.learning_outcomes.strip():
        problems.append(_("Learning outcomes are required."))
    if course.method in (LearningMethod.OFFLINE, LearningMethod.HYBRID):
        if course.regency_id is None or course.province_id is None:
            problems.append(_("Offline and hybrid courses need a province and a regency or city."))
        elif course.regency is not None and course.regency.province_id != course.province_id:
            problems.append(_("The regency or city is not in the chosen province."))
    if course.method in SCHEDULED_METHODS and not course.schedules.filter(starts_at__gt=timezone.now()).exists():
        target = course.revision_of or course
        if not target.schedules.filter(starts_at__gt=timezone.now()).exists():
            problems.append(_("Webinar and offline courses need at least one upcoming session."))
    trainers_of = course if course.pk and course.trainers.exists() else course.revision_of
    if trainers_of is None or not trainers_of.trainers.exists():
        problems.append(_("At least one trainer is required."))
    problems.extend(session_plan_problems(course))
    return problems


def session_plan_problems(course: Course) -> list[str]:
    """The session plan: completion later needs every planned session attended and every
    required practice task assessed, so the plan must say how many sessions there are, number
    them 1 to N, and a self-paced course must say how long it takes at least."""
    problems: list[str] = []
    if course.planned_sessions < 1:
        problems.append(
            _(
                "The course needs a session plan: the number of sessions and, for each session, whether a "
                "practice task (tugas unjuk keterampilan) is required."
            )
        )
    else:
        sequences = sorted(CourseSession.objects.filter(course=course).values_list("sequence", flat=True))
        if sequences != list(range(1, course.planned_sessions + 1)):
            problems.append(
                _(
                    "The course plans %(planned)s sessions but its session plan lists %(listed)s: "
                    "list sessions 1 to %(planned)s, each once."
                )
                % {"planned": course.planned_sessions, "listed": len(sequences)}
            )
    hours = course.min_duration_hours
    if course.method == LearningMethod.SELF_PACED and not hours:
        problems.append(
            _("A self-paced course needs a minimum duration: the least number of hours from start to completion.")
        )
    elif hours and hours < course.total_hours:
        problems.append(
            _("The minimum duration (%(minimum)s hours) is shorter than the course's own %(total)s hours of training.")
            % {"minimum": hours, "total": course.total_hours}
        )
    return problems


def _sessions_copy(*, source: Course, target: Course) -> None:
    """Give `target` the session plan of `source`: sessions updated in place by number (their
    attendance records point at them), those beyond the plan removed."""
    for session in CourseSession.objects.filter(course=source):
        CourseSession.objects.update_or_create(
            course=target,
            sequence=session.sequence,
            defaults={"title": session.title, "practice_task_required": session.practice_task_required},
        )
    CourseSession.objects.filter(course=target, sequence__gt=source.planned_sessions).delete()


def _transition(*, course: Course, to: str, actor: Actor, reasons: str = "") -> Course:
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if to not in ALLOWED[locked.status]:
        raise CurationError(
            [
                _("A course cannot go from %(from)s to %(to)s.")
                % {"from": locked.get_status_display(), "to": CourseStatus(to).label}
            ]
        )
    previous = locked.status
    locked.status = to
    locked.decision_reasons = reasons
    now = timezone.now()
    if to == CourseStatus.SUBMITTED:
        locked.submitted_at = now
    if to in (CourseStatus.APPROVED, CourseStatus.REJECTED, CourseStatus.MERGED):
        locked.decided_at = now
    locked.save(update_fields=["status", "decision_reasons", "submitted_at", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"course.{to}",
        target=locked,
        payload={"from": previous, "reasons": reasons},
    )
    if to in (CourseStatus.APPROVED, CourseStatus.REJECTED):
        course_decided_tell(CourseDecided(course=locked, status=to, reasons=reasons))
    return locked


@transaction.atomic
def course_submit(*, course: Course, actor: Actor) -> Course:
    if problems := course_rule_problems(course):
        raise CurationError(problems)
    return _transition(course=course, to=CourseStatus.SUBMITTED, actor=actor)


@transaction.atomic
def course_review_start(*, course: Course, actor: Actor) -> Course:
    return _transition(course=course, to=CourseStatus.IN_REVIEW, actor=actor)


@transaction.atomic
def course_approve(*, course: Course, actor: Actor, notes: str = "") -> Course:
    """Approve a course, or a revision: then its content replaces the approved course's."""
    if problems := course_rule_problems(course):
        raise CurationError(problems)
    if course.revision_of_id is None:
        return _transition(course=course, to=CourseStatus.APPROVED, actor=actor, reasons=notes)
    if course.status != CourseStatus.IN_REVIEW:
        raise CurationError([_("Only a revision in review can be approved.")])
    original = Course.objects.select_for_update().get(pk=course.revision_of_id)
    changes = course_revision_diff(revision=course)
    for field in CONTENT_FIELDS:
        setattr(original, field, getattr(course, field))
    original.save()
    _sessions_copy(source=course, target=original)
    if course.trainers.exists():
        original.trainers.set(course.trainers.all())
    merged = _transition(course=course, to=CourseStatus.MERGED, actor=actor, reasons=notes)
    audit_record(
        actor=actor,
        action="course.revision_applied",
        target=original,
        payload={"revision": merged.pk, "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()}},
    )
    return original


@transaction.atomic
def course_reject(*, course: Course, actor: Actor, reasons: str) -> Course:
    if not reasons.strip():
        raise CurationError([_("Reasons are required to reject a course.")])
    return _transition(course=course, to=CourseStatus.REJECTED, actor=actor, reasons=reasons.strip())


@transaction.atomic
def course_reopen(*, course: Course, actor: Actor) -> Course:
    """A rejected course goes back to draft to be corrected and submitted again."""
    return _transition(course=course, to=CourseStatus.DRAFT, actor=actor)


@transaction.atomic
def course_retire(*, course: Course, actor: Actor, reasons: str) -> Course:
    return _transition(course=course, to=CourseStatus.RETIRED, actor=actor, reasons=reasons)


@transaction.atomic
def course_revision_create(*, course: Course, actor: Actor, **changes: Any) -> Course:
    """A draft revision of an approved course, carrying `changes`; the course stays on sale."""
    if course.status != CourseStatus.APPROVED or course.revision_of_id is not None:
        raise CurationError([_("Only an approved course can be revised.")])
    if course.revisions.filter(
        status__in=[CourseStatus.DRAFT, CourseStatus.SUBMITTED, CourseStatus.IN_REVIEW]
    ).exists():
        raise CurationError([_("This course already has a revision under way.")])
    number = course.revisions.count()
    revision = Course(
        institution_id=course.institution_id,
        revision_of=course,
        code=f"{course.code}-R{number + 1}",
        status=CourseStatus.DRAFT,
        **{field: getattr(course, field) for field in CONTENT_FIELDS},
    )
    for field, value in changes.items():
        if field.removesuffix("_id") not in {f.removesuffix("_id") for f in CONTENT_FIELDS}:
            raise CurationError([_("%(field)s cannot be revised.") % {"field": field}])
        setattr(revision, field, value)
    revision.save()
    revision.trainers.set(course.trainers.all())
    _sessions_copy(source=course, target=revision)
    audit_record(actor=actor, action="course.revision_create", target=revision, payload={"of": course.pk})
    return revision


def course_revision_diff(*, revision: Course) -> dict[str, tuple[Any, Any]]:
    """field -> (approved value, revised value), for the fields the revision changes."""
    original = revision.revision_of
    if original is None:
        return {}
    return {
        field.removesuffix("_id"): (getattr(original, field), getattr(revision, field))
        for field in CONTENT_FIELDS
        if getattr(original, field) != getattr(revision, field)
    }
