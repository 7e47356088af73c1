"""Schedules: a platform finds a webinar's or an offline class's sessions in the catalogue and
buys one of them; a purchase of such a course without a session is refused."""

import datetime as dt

import pytest
from django.utils import timezone

from applicants.models import Regency
from tests.conftest import run_after_commit_tasks
from tests.factories import CourseFactory, ListingFactory, PartnerFactory, ScheduleFactory
from tests.partners.api import SignedClient, buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def test_a_courses_upcoming_schedules_are_listed_with_dates_capacity_method_and_place(
    api, django_assert_max_num_queries
) -> None:
    # Given an offline class with two sessions to come and one past
    regency = Regency.objects.select_related("province").order_by("code")[0]
    course = CourseFactory.create(method="offline", regency=regency, province=regency.province)
    later = ScheduleFactory.create(course=course, starts_at=timezone.now() + dt.timedelta(days=14), location="BLK")
    soon = ScheduleFactory.create(course=course, capacity=20, location="BLK Bekasi, Jl. Raya 1")
    ScheduleFactory.create(course=course, starts_at=timezone.now() - dt.timedelta(days=1))
    # When the platform asks for the course's schedules
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/catalog/courses/{course.pk}/schedules/")
    # Then the sessions still to start are listed, soonest first, with what a participant needs
    assert response.status_code == 200, response.json()
    assert [s["id"] for s in response.json()] == [soon.pk, later.pk]
    first = response.json()[0]
    assert first["capacity"] == 20
    assert first["method"] == "offline"
    assert first["location"] == "BLK Bekasi, Jl. Raya 1"
    assert first["regency"] == regency.name
    assert first["province"] == regency.province.name
    assert first["starts_at"] < first["ends_at"]
    # And an unknown course has no schedules
    assert api.get("/api/v1/catalog/courses/999999/schedules/").json()["code"] == "course_not_found"


@pytest.mark.parametrize("method", ["webinar", "offline", "hybrid"])
def test_a_scheduled_course_is_bought_for_a_session_and_never_without_one(
    api, participant_card, django_capture_on_commit_callbacks, method: str
) -> None:
    # Given a listing of a scheduled course
    schedule = ScheduleFactory.create(course__method=method)
    listing = ListingFactory.create(partner=api.partner, course=schedule.course)
    # When the platform proposes a purchase without a schedule
    refused = api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )
    # Then it is refused with a code
    assert refused.status_code == 422
    assert refused.json()["code"] == "schedule_required"
    # And with one of the course's schedules it is accepted
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
                "schedule": schedule.pk,
            },
        )
    run_after_commit_tasks(callbacks)
    assert created.status_code == 201, created.json()
    assert created.json()["schedule"] == schedule.pk
    # And another course's schedule is not found
    other = ScheduleFactory.create()
    wrong = api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
            "schedule": other.pk,
        },
    )
    assert wrong.json()["code"] == "schedule_not_found"
