"""Curation rules and the workflow, including revisions of approved courses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from courses.errors import CurationError
from courses.models import Course, CourseStatus, Schedule
from courses.services.curation import (
    course_approve,
    course_reject,
    course_reopen,
    course_retire,
    course_review_start,
    course_revision_create,
    course_revision_diff,
    course_submit,
)
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return StaffUserFactory.create()


def draft(**overrides: object) -> Course:
    return CourseFactory.create(status=CourseStatus.DRAFT, **overrides)


def test_a_course_goes_from_draft_to_approved_with_every_step_audited(curator):
    course = draft()
    course = course_submit(course=course, actor=Actor.for_user(curator))
    course = course_review_start(course=course, actor=Actor.for_user(curator))
    course = course_approve(course=course, actor=Actor.for_user(curator), notes="Kurikulum lengkap")
    assert course.status == CourseStatus.APPROVED
    assert course.decided_at is not None
    assert list(
        AuditEvent.objects.filter(object_id=str(course.pk)).order_by("id").values_list("action", flat=True)
    ) == [
        "course.submitted",
        "course.in_review",
        "course.approved",
    ]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"price": 700_000, "outside_price": 700_000, "free_elsewhere": True}, "free elsewhere"),
        ({"is_bundle": True}, "Bundles"),
        ({"total_hours": Decimal("14.5")}, "15 hours"),
        ({"learning_outcomes": " "}, "Learning outcomes"),
        ({"method": "offline"}, "province"),
        ({"method": "webinar"}, "upcoming session"),
        ({"with_trainer": False}, "trainer"),
    ],
)
def test_a_course_breaking_a_rule_cannot_be_submitted(curator, overrides, problem):
    course = draft(**overrides)
    with translation.override("en"), pytest.raises(CurationError) as error:
        course_submit(course=course, actor=Actor.for_user(curator))
    assert any(problem in p for p in error.value.problems), error.value.problems
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


def test_the_database_refuses_a_price_above_the_outside_price():
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory.create(price=700_000, outside_price=600_000)


def test_a_webinar_with_an_upcoming_session_may_be_submitted(curator):
    course = draft(method="webinar")
    start = timezone.now() + dt.timedelta(days=3)
    Schedule.objects.create(
        course=course, code="S1", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=50
    )
    assert course_submit(course=course, actor=Actor.for_user(curator)).status == CourseStatus.SUBMITTED


def test_rejection_needs_reasons_and_a_rejected_course_can_be_corrected(curator):
    course = course_review_start(
        course=course_submit(course=draft(), actor=Actor.for_user(curator)), actor=Actor.for_user(curator)
    )
    with pytest.raises(CurationError):
        course_reject(course=course, actor=Actor.for_user(curator), reasons="  ")
    course = course_reject(
        course=course, actor=Actor.for_user(curator), reasons="Materi sama dengan video gratis di internet"
    )
    assert course.status == CourseStatus.REJECTED
    assert course.decision_reasons == "Materi sama dengan video gratis di internet"
    assert course_reopen(course=course, actor=Actor.for_user(curator)).status == CourseStatus.DRAFT


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (CourseStatus.DRAFT, "approve"),
        (CourseStatus.SUBMITTED, "approve"),
        (CourseStatus.APPROVED, "review"),
        (CourseStatus.RETIRED, "review"),
        (CourseStatus.REJECTED, "approve"),
    ],
)
def test_refused_transitions(curator, status, action):
    course = CourseFactory.create(status=status)
    act = course_approve if action == "approve" else course_review_start
    with pytest.raises(CurationError):
        act(course=course, actor=Actor.for_user(curator))


def test_retiring_takes_a_course_off_sale(curator):
    course = CourseFactory.create()
    course_retire(course=course, actor=Actor.for_user(curator), reasons="Permintaan lembaga")
    assert not Course.objects.on_sale().filter(pk=course.pk).exists()


def test_a_revision_is_reviewed_while_the_approved_course_stays_on_sale(curator):
    # given an approved course
    course = CourseFactory.create(title="Barista Kopi", price=400_000)

    # when the institution revises its title and price
    revision = course_revision_create(
        course=course, actor=Actor.for_user(curator), title="Barista Kopi Profesional", price=450_000
    )

    # then the approved course is unchanged and still on sale, and the reviewer sees the diff
    course.refresh_from_db()
    assert course.title == "Barista Kopi"
    assert Course.objects.on_sale().filter(pk=course.pk).exists()
    assert not Course.objects.on_sale().filter(pk=revision.pk).exists()
    assert course_revision_diff(revision=revision) == {
        "title": ("Barista Kopi", "Barista Kopi Profesional"),
        "price": (400_000, 450_000),
    }
    with pytest.raises(CurationError):
        course_revision_create(course=course, actor=Actor.for_user(curator), title="Lagi")

    # when the revision is approved
    revision = course_review_start(
        course=course_submit(course=revision, actor=Actor.for_user(curator)), actor=Actor.for_user(curator)
    )
    course_approve(course=revision, actor=Actor.for_user(curator))

    # then the course carries the new content under the same code, and the revision is closed
    course.refresh_from_db()
    revision.refresh_from_db()
    assert (course.title, course.price, course.status) == ("Barista Kopi Profesional", 450_000, CourseStatus.APPROVED)
    assert revision.status == CourseStatus.MERGED
    assert AuditEvent.objects.filter(action="course.revision_applied", object_id=str(course.pk)).exists()
