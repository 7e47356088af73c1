"""Selling and redeeming around the rules: a platform sells a course of a suspended training
institution through the partner API, and an institution commits a webinar redeem code (without
a session number) long before or after its session, where the one-hour window should hold."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import InstitutionStatus, RedeemCode, RedeemCodeStatus
from courses.services.redemption import redeem_code_issue
from partners.models import Purchase
from tests.factories import ListingFactory, PartnerFactory, ScheduleFactory
from tests.partners.api import SignedClient, buyer
from tests.partners.conftest import participant_card  # noqa: F401 (a fixture)
from tests.security.protocols import COMMIT, SignedInstitution

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions(regions: None) -> None:
    """Participants need provinces."""


def test_a_suspended_institutions_approved_course_is_not_sold(participant_card):  # noqa: F811
    # given: an approved, listed course whose institution the PMO has suspended
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=api.partner)
    institution = listing.course.institution
    institution.status = InstitutionStatus.SUSPENDED
    institution.save(update_fields=["status"])

    # when: the platform starts a purchase of it
    response = api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )

    # then: refused as not on sale, and nothing was created
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "listing_not_on_sale"
    assert not Purchase.objects.exists()


def webinar_code(lp: SignedInstitution, starts_in: dt.timedelta) -> RedeemCode:
    schedule = ScheduleFactory.create(
        course__institution=lp.record, course__method="webinar", starts_at=timezone.now() + starts_in
    )
    return redeem_code_issue(course=schedule.course, schedule=schedule)


@pytest.mark.parametrize("starts_in", [dt.timedelta(hours=3), -dt.timedelta(hours=3)])
def test_a_webinar_code_committed_without_a_sequence_outside_its_window_is_refused(starts_in):
    # given: a webinar code whose session starts three hours from now (or started three hours ago)
    lp = SignedInstitution()
    code = webinar_code(lp, starts_in)

    # when: the institution commits it without naming a session
    response = lp.call(COMMIT, {"redeem_code": code.code})

    # then: refused as outside the window; the code stays unused
    assert response.status_code == 422, response.json()
    assert response.json()["data"]["reason"] == "outside_window"
    code.refresh_from_db()
    assert code.status == RedeemCodeStatus.ISSUED


def test_a_webinar_code_committed_without_a_sequence_inside_its_window_is_used():
    # given: a webinar code whose session starts in 30 minutes
    lp = SignedInstitution()
    code = webinar_code(lp, dt.timedelta(minutes=30))

    # when: the institution commits it without naming a session
    response = lp.call(COMMIT, {"redeem_code": code.code})

    # then: used
    assert response.status_code == 200, response.json()
    code.refresh_from_db()
    assert code.status == RedeemCodeStatus.USED
