"""The evaluation's KPI "share of sales from affiliated institutions", per platform, scored by
the scorecard like any other KPI (a rule is data)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Card
from partners.conflicts.services.disclosures import listing_disclosure_approve
from partners.evaluation.services.evaluations import evaluation_run
from partners.models import Kpi, Listing, PurchaseStatus
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.conflicts import holding, owns_institution, owns_platform
from tests.partners.evaluation import at, purchase, scorecard

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


def test_each_platform_reports_its_share_of_sales_from_affiliated_institutions(participant_card: Card, staff_groups):
    # given platform A selling one affiliated course (Rp300,000) and one plain course (Rp700,000),
    # platform B selling only plain courses, and platform C selling nothing
    a = PartnerFactory.create(name="A")
    mine = ListingFactory.create(partner=a, course=CourseFactory.create(price=300_000), price=300_000)
    plain = ListingFactory.create(
        partner=a, course=CourseFactory.create(price=700_000, outside_price=800_000), price=700_000
    )
    owns_platform(a, **holding("40"))
    owns_institution(mine.course.institution, **holding("60"))
    curator = Actor.for_user(StaffUserFactory.create(group="curator"))
    listing_disclosure_approve(listing=mine, disclosure="Terafiliasi.", actor=curator)
    b = PartnerFactory.create(name="B")
    other = ListingFactory.create(partner=b)
    PartnerFactory.create(name="C")
    card = participant_card
    mine = Listing.objects.get(pk=mine.pk)
    purchase(listing=mine, card=card, created=at(2))
    purchase(listing=mine, card=card, created=at(3), status=PurchaseStatus.CANCELLED)  # refunded: not a sale
    purchase(listing=mine, card=card, created=at(4), paid=False)  # never paid
    purchase(listing=plain, card=card, created=at(5))
    purchase(listing=other, card=card, created=at(6))
    scorecard([(Kpi.AFFILIATED_SALES_SHARE, 1, 0.0, 0.5, False)])
    # when October is evaluated
    evaluation = evaluation_run(period=OCTOBER, actor=Actor.system("tests"))
    results = {r.partner.name: r for r in evaluation.results.select_related("partner")}
    # then A's share is 300,000 of 1,000,000, scored linearly between 0% (full marks) and 50% (none)
    assert results["A"].affiliated_value == 300_000
    assert results["A"].affiliated_sales_share == pytest.approx(0.3)
    assert results["A"].points[Kpi.AFFILIATED_SALES_SHARE] == pytest.approx(40.0)
    assert results["B"].affiliated_sales_share == 0.0
    assert results["C"].affiliated_sales_share is None
    # and the league table shows it
    client = Client()
    client.force_login(StaffUserFactory.create(group="partner_manager"))
    page = client.get(reverse("admin:partners_evaluation_change", args=[evaluation.pk])).content.decode()
    assert "Porsi penjualan dari lembaga terafiliasi" in page
    assert "30,0%" in page or "30.0%" in page
