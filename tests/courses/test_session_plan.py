"""The session plan of a course (curation checks it) and what the institution reports per
session through the protocol: attendance (commit with `sequence`) and the practice task
(feedback: submitted, then assessed)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from courses.errors import CurationError
from courses.models import Attendance, CourseSession, CourseStatus, PracticeTask
from courses.services.curation import course_approve, course_review_start, course_revision_create, course_submit
from courses.services.redemption import redeem_code_issue
from courses.training import training_problems, training_progress
from prakerja.core.actor import Actor
from tests.courses.test_integration_protocol import COMMIT, Institution
from tests.factories import CourseFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/integration/tpm/feedback/submission"


@pytest.fixture
def curator() -> Actor:
    return Actor.for_user(StaffUserFactory.create())


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"planned_sessions": 0}, "session plan"),
        ({"min_duration_hours": None}, "minimum duration"),
        ({"min_duration_hours": 5, "total_hours": 20}, "shorter than the course's own"),
    ],
)
def test_curation_refuses_a_course_without_a_sound_session_plan(curator, overrides, problem):
    # Given a draft self-paced course missing part of its plan
    course = CourseFactory.create(status=CourseStatus.DRAFT, **overrides)
    # When it is submitted, then curation says what to fix
    with translation.override("en"), pytest.raises(CurationError) as error:
        course_submit(course=course, actor=curator)
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_curation_refuses_sessions_that_disagree_with_the_planned_number(curator):
    # Given a course planning three sessions whose plan lists 1, 2 and 4
    course = CourseFactory.create(status=CourseStatus.DRAFT, planned_sessions=3)
    CourseSession.objects.filter(course=course, sequence=3).update(sequence=4)
    # When it is submitted, then it is refused with both numbers
    with translation.override("en"), pytest.raises(CurationError) as error:
        course_submit(course=course, actor=curator)
    assert any("plans 3 sessions" in p for p in error.value.problems), error.value.problems


def test_a_webinar_needs_no_minimum_duration(curator):
    course = CourseFactory.create(status=CourseStatus.DRAFT, method="webinar", planned_sessions=2)
    course.schedules.create(
        code="W-1", starts_at=timezone.now() + dt.timedelta(days=2),
        ends_at=timezone.now() + dt.timedelta(days=2, hours=2), capacity=10,
    )  # fmt: skip
    assert course_submit(course=course, actor=curator).status == CourseStatus.SUBMITTED


def test_the_database_refuses_an_approved_course_without_a_plan():
    with pytest.raises(IntegrityError, match="course_approved_has_session_plan"), transaction.atomic():
        CourseFactory.create(planned_sessions=0)
    with pytest.raises(IntegrityError, match="course_approved_has_session_plan"), transaction.atomic():
        CourseFactory.create(min_duration_hours=None)


def test_a_revision_carries_the_plan_and_its_approval_applies_the_new_plan(curator):
    # Given an approved course of one session, revised to two sessions with a task in the second
    course = CourseFactory.create(planned_sessions=1)
    revision = course_revision_create(course=course, actor=curator, planned_sessions=2)
    CourseSession.objects.create(course=revision, sequence=2, practice_task_required=True)
    revision = course_review_start(course=course_submit(course=revision, actor=curator), actor=curator)
    # When the revision is approved
    course_approve(course=revision, actor=curator)
    # Then the course on sale has the new plan
    course.refresh_from_db()
    assert course.planned_sessions == 2
    assert list(CourseSession.objects.filter(course=course).values_list("sequence", "practice_task_required")) == [
        (1, False),
        (2, True),
    ]


def test_attendance_is_recorded_per_planned_session_of_a_self_paced_course():
    # Given a self-paced course of two sessions
    lp = Institution()
    course = CourseFactory.create(institution=lp.record, planned_sessions=2)
    code = redeem_code_issue(course=course)
    # When the institution commits session 1, then session 3 (not planned)
    first = lp.call(COMMIT, {"redeem_code": code.code, "sequence": 1})
    outside = lp.call(COMMIT, {"redeem_code": code.code, "sequence": 3})
    # Then session 1 is attended (the training started) and 3 is refused
    assert first.status_code == 200
    assert first.json()["data"]["status"] == 2
    assert (outside.status_code, outside.json()["data"]["reason"]) == (422, "unknown_session")
    attended = Attendance.objects.get(redeem_code=code)
    assert attended.session == CourseSession.objects.get(course=course, sequence=1)


def test_a_practice_task_is_submitted_then_assessed_through_the_feedback_endpoint():
    # Given a started training whose second session requires a practice task
    lp = Institution()
    course = CourseFactory.create(institution=lp.record, planned_sessions=2, tasks=[2])
    code = redeem_code_issue(course=course)
    before = lp.call(FEEDBACK, task_body(code.code, status="submitted"))
    assert (before.status_code, before.json()["data"]["reason"]) == (409, "not_started")
    lp.call(COMMIT, {"redeem_code": code.code, "sequence": 1})
    lp.call(COMMIT, {"redeem_code": code.code, "sequence": 2})
    # When the institution reports the participant's work submitted
    submitted = lp.call(FEEDBACK, task_body(code.code, status="submitted", notes=""))
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["data"]["practice_task_status"] == "submitted"
    # Then the task waits for assessment
    code.refresh_from_db()
    kinds = [p.kind for p in training_problems(training_progress(code), at=timezone.now())]
    assert "practice_task_not_assessed" in kinds
    # When it assesses it (a client that sends no status: the assessment)
    body = task_body(code.code)
    del body["status"]
    assert lp.call(FEEDBACK, body).status_code == 200
    # Then the task is assessed, its feedback kept, and a late "submitted" is refused
    task = PracticeTask.objects.get(redeem_code=code, sequence=2)
    assert task.status == "assessed"
    assert task.assessed_at is not None
    assert task.assessed_at >= task.submitted_at
    assert code.feedback.count() == 1
    late = lp.call(FEEDBACK, task_body(code.code, status="submitted"))
    assert (late.status_code, late.json()["data"]["reason"]) == (409, "already_assessed")
    assert lp.call(FEEDBACK, task_body(code.code, status="graded")).status_code == 422


def task_body(code: str, *, status: str = "assessed", notes: str = "Rapi dan lengkap.") -> dict[str, object]:
    return {
        "redeem_code": code,
        "scope": "tpm",
        "sequence": 2,
        "notes": notes,
        "url_file": "https://lms.example.id/tugas/2.pdf",
        "status": status,
    }
