"""Platform evaluation: KPI formulas on a hand-computed fixture, scoring and bands, drafts and
published results, scorecard versions, the decision path and who may do what."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from applicants.models import Card
from courses.selectors import CourseFilters
from partners.catalogue.selectors import catalogue_search
from partners.evaluation.errors import EvaluationError
from partners.evaluation.services.evaluations import evaluation_decide, evaluation_publish, evaluation_run
from partners.evaluation.services.kpis import rule_points
from partners.evaluation.services.scorecards import scorecard_activate, scorecard_new_version
from partners.models import (
    Agreement,
    Evaluation,
    EvaluationResult,
    EvaluationStatus,
    Kpi,
    Listing,
    Partner,
    PartnerStatus,
    PurchaseStatus,
    ScorecardRule,
    StatusChange,
    WebhookEndpoint,
    WebhookEvent,
)
from partners.platforms.services.lifecycle import partner_status_change
from partners.purchases.services.purchases import PurchaseError, purchase_create
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.messaging.models import SandboxMessage
from prakerja.messaging.tasks import email_send
from tests.conftest import run_after_commit_tasks
from tests.factories import CourseFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.evaluation import api_requests, at, complaint, purchase, review, scorecard, webhooks

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
SYSTEM = Actor.system("tests")
# A small scorecard whose arithmetic the tests can follow by hand.
SIMPLE: list[tuple[str, int, float, float, bool]] = [
    (Kpi.COMPLETION_RATE, 1, 0.9, 0.5, False),
    (Kpi.AVERAGE_RATING, 1, 5.0, 3.0, False),
    (Kpi.COMPLAINTS_PER_1000, 1, 0.0, 300.0, True),
]


@pytest.fixture(autouse=True)
def _groups(staff_groups: None) -> None:
    """Partner managers decide; transactional tests elsewhere flush the groups."""


@pytest.fixture
def fixture(participant_card: Card) -> dict[str, Partner]:
    """Platform A (agreement caps its commission at 10%) and B in October 2026, a platform with
    no activity (D), and a terminated one (C) that is not evaluated."""
    card = participant_card
    a = PartnerFactory.create(name="A", commission_rate_bp=1000)
    Agreement.objects.create(
        partner=a, number="A-1", signed_on=dt.date(2020, 3, 20), starts_on=dt.date(2020, 3, 20),
        ends_on=dt.date(2030, 3, 20), commission_cap_bp=1000,
    )  # fmt: skip
    b = PartnerFactory.create(name="B", commission_rate_bp=1000)
    d = PartnerFactory.create(name="D")
    PartnerFactory.create(name="C", status=PartnerStatus.TERMINATED)
    la = ListingFactory.create(partner=a, course=CourseFactory.create(price=500_000), price=500_000)
    # A listing priced above its course's price.
    ListingFactory.create(partner=a, course=CourseFactory.create(price=500_000), price=550_000)
    lb = ListingFactory.create(
        partner=b, course=CourseFactory.create(price=1_000_000, outside_price=1_200_000), price=1_000_000
    )
    done = PurchaseStatus.COMPLETED
    for day, hours in enumerate([10, 20, 30, 40, 50, 60], start=1):
        purchase(listing=la, card=card, created=at(day), status=done, hours_to_complete=hours)
    purchase(listing=la, card=card, created=at(10))
    purchase(listing=la, card=card, created=at(11), commission_bp=1200)  # above A's 10% cap
    purchase(listing=la, card=card, created=at(12), status=PurchaseStatus.CANCELLED)  # refunded
    purchase(listing=la, card=card, created=at(13), status=PurchaseStatus.CANCELLED, paid=False)
    purchase(listing=la, card=card, created=at(30, month=9))  # September: not in the period
    purchase(listing=la, card=card, created=at(1, hour=0, month=11))  # 1 November 00:00 WIB: neither
    purchase(listing=lb, card=card, created=at(3), status=done, hours_to_complete=100)
    purchase(listing=lb, card=card, created=at(31, hour=23))
    for rating in (5, 4, 3):
        review(listing=la, card=card, rating=rating, created=at(20))
    review(listing=la, card=card, rating=1, created=at(20, month=9))
    complaint(applicant=card.applicant, partner=a, created=at(21))
    complaint(applicant=card.applicant, partner=a, created=at(22))
    api_requests(partner=a, statuses=[200] * 16 + [404, 422, 401, 500], when=at(5))
    api_requests(partner=a, statuses=[500] * 5, when=at(5, month=9))
    webhooks(partner=a, statuses=["delivered", "delivered", "delivered", "failed", "pending"], created=at(6))
    return {"a": a, "b": b, "d": d}


def test_the_kpis_match_a_hand_computed_month(fixture):
    # given the fixture and a scorecard in use
    scorecard(SIMPLE)

    # when October is evaluated
    evaluation = evaluation_run(period=OCTOBER, actor=SYSTEM)

    # then A's figures are as computed by hand
    results = {r.partner.name: r for r in evaluation.results.select_related("partner")}
    assert set(results) == {"A", "B", "D"}  # C is terminated and had no purchases
    a, b, d = results["A"], results["B"], results["D"]
    assert (a.purchases_created, a.purchases_paid, a.completed) == (10, 9, 6)
    assert a.value == 8 * 500_000  # paid and not refunded
    assert a.market_share == pytest.approx(4_000_000 / 6_000_000)
    assert a.completion_rate == pytest.approx(6 / 9)
    assert a.median_completion_hours == pytest.approx(35.0)
    assert (a.reviews, a.average_rating) == (3, pytest.approx(4.0))
    assert a.complaints == 2
    assert a.complaints_per_1000 == pytest.approx(2000 / 9)
    assert (a.cancelled, a.refunded, a.cancellation_rate) == (1, 1, pytest.approx(0.2))
    assert (a.api_requests, a.api_errors, a.api_error_rate) == (20, 2, pytest.approx(0.1))
    assert (a.webhooks_settled, a.webhooks_delivered, a.webhook_success_rate) == (4, 3, pytest.approx(0.75))
    assert (a.commission_over_cap, a.listings_over_price) == (1, 1)
    # and B's, with no data where it has none
    assert (b.purchases_paid, b.value, b.completed, b.median_completion_hours) == (2, 2_000_000, 1, 100.0)
    assert b.average_rating is None
    assert b.api_error_rate is None
    assert b.webhook_success_rate is None
    assert b.complaints_per_1000 == 0.0
    assert d.purchases_paid == 0
    assert d.completion_rate is None
    assert d.market_share == 0.0
    assert evaluation.total_value == 6_000_000


def test_scores_and_recommendations_follow_the_scorecard(fixture):
    # given the simple scorecard: completion 0.5 -> 0.9, rating 3 -> 5, complaints 300 -> 0 per 1,000
    scorecard(SIMPLE)

    # when October is evaluated
    evaluation = evaluation_run(period=OCTOBER, actor=SYSTEM)

    # then A: completion 6/9 -> 41.67, rating 4.0 -> 50, complaints 222.2 -> 25.93; mean 39.2 -> suspend
    a = evaluation.results.get(partner=fixture["a"])
    assert a.points == {"completion_rate": 41.67, "average_rating": 50.0, "complaints_per_1000": 25.93}
    assert a.score == pytest.approx(39.2)
    assert a.recommendation == "suspend"
    # and B: completion 1/2 -> 0, no rating (not scored), no complaints -> 100; 50.0 -> warning
    b = evaluation.results.get(partner=fixture["b"])
    assert b.points == {"completion_rate": 0.0, "complaints_per_1000": 100.0}
    assert (b.score, b.recommendation) == (50.0, "warning")
    # and D, with nothing to score, is flagged for a person to look at
    d = evaluation.results.get(partner=fixture["d"])
    assert (d.points, d.score, d.recommendation) == ({}, 0.0, "warning")
    # and ranks follow the score
    assert list(evaluation.results.order_by("rank").values_list("partner__name", flat=True)) == ["B", "A", "D"]


def test_points_are_linear_between_the_two_thresholds_either_way():
    assert rule_points(value=0.7, target=0.9, limit=0.5) == 50.0
    assert rule_points(value=0.95, target=0.9, limit=0.5) == 100.0
    assert rule_points(value=0.2, target=0.9, limit=0.5) == 0.0
    assert rule_points(value=5.0, target=1.0, limit=10.0) == pytest.approx(55.56)  # lower is better
    assert rule_points(value=12.0, target=1.0, limit=10.0) == 0.0


def test_a_critical_kpi_at_its_limit_caps_the_recommendation_at_warning(participant_card):
    # given a platform perfect on everything but its commission, which breaks the cap once
    partner = PartnerFactory.create(commission_rate_bp=1000)
    Agreement.objects.create(
        partner=partner, number="P-1", signed_on=dt.date(2020, 3, 20), starts_on=dt.date(2020, 3, 20),
        ends_on=dt.date(2030, 3, 20), commission_cap_bp=1000,
    )  # fmt: skip
    listing = ListingFactory.create(partner=partner)
    for day in range(1, 20):
        purchase(listing=listing, card=participant_card, created=at(day), status="completed", hours_to_complete=5)
    purchase(
        listing=listing,
        card=participant_card,
        created=at(25),
        commission_bp=1100,
        status="completed",
        hours_to_complete=5,
    )
    scorecard([(Kpi.COMPLETION_RATE, 9, 0.9, 0.5, False), (Kpi.COMMISSION_OVER_CAP, 1, 0.0, 1.0, True)])

    # when evaluated
    result = evaluation_run(period=OCTOBER, actor=SYSTEM).results.get(partner=partner)

    # then the score is high, but the recommendation is no better than a warning
    assert result.score == 90.0
    assert result.recommendation == "warning"


def test_recomputing_a_draft_replaces_it_and_a_published_period_is_final(fixture, participant_card):
    # given a computed draft
    scorecard(SIMPLE)
    first = evaluation_run(period=OCTOBER, actor=SYSTEM)
    a_before = first.results.get(partner=fixture["a"]).purchases_paid

    # when a late purchase arrives and the draft is computed again
    purchase(listing=Listing.objects.filter(partner=fixture["a"])[0], card=participant_card, created=at(28))
    second = evaluation_run(period=OCTOBER, actor=SYSTEM)

    # then the same evaluation holds new figures, one row per platform
    assert second.pk == first.pk
    assert second.results.get(partner=fixture["a"]).purchases_paid == a_before + 1
    assert second.results.count() == 3

    # when it is published
    evaluation_publish(evaluation=second, actor=Actor.for_user(StaffUserFactory.create(group="partner_manager")))

    # then recomputing is refused, and the database refuses any change to its results
    with pytest.raises(EvaluationError, match="sudah diterbitkan dan final"):
        evaluation_run(period=OCTOBER, actor=SYSTEM)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        EvaluationResult.objects.filter(evaluation=second).update(score=100)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Evaluation.objects.filter(pk=second.pk).update(status=EvaluationStatus.DRAFT)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        EvaluationResult.objects.filter(evaluation=second).delete()


def test_a_scorecard_in_use_is_frozen_and_changes_make_a_new_version(fixture):
    # given version 1 in use and October published with it
    v1 = scorecard(SIMPLE)
    october = evaluation_run(period=OCTOBER, actor=SYSTEM)
    evaluation_publish(evaluation=october, actor=SYSTEM)
    a_score = october.results.get(partner=fixture["a"]).score

    # then its rules cannot be changed any more
    with pytest.raises(DatabaseError, match="in use"), transaction.atomic():
        ScorecardRule.objects.filter(scorecard=v1).update(weight=5)

    # when the PMO makes version 2 from it, weighs complaints heavier and puts it in use
    v2 = scorecard_new_version(scorecard=v1, actor=SYSTEM)
    assert v2.version == v1.version + 1
    assert v2.is_draft
    ScorecardRule.objects.filter(scorecard=v2, kpi=Kpi.COMPLAINTS_PER_1000).update(weight=4)
    scorecard_activate(scorecard=v2, actor=SYSTEM)

    # then a new period is scored with version 2, and October keeps version 1 and its scores
    november = evaluation_run(period=dt.date(2026, 11, 1), actor=SYSTEM)
    assert november.scorecard_id == v2.pk
    october.refresh_from_db()
    assert october.scorecard_id == v1.pk
    assert october.results.get(partner=fixture["a"]).score == a_score


def test_a_partner_managers_decision_runs_the_lifecycle(fixture, participant_card, django_capture_on_commit_callbacks):
    # given October published, recommending A's suspension
    scorecard(SIMPLE)
    october = evaluation_run(period=OCTOBER, actor=SYSTEM)
    manager = StaffUserFactory.create(group="partner_manager")
    result = october.results.get(partner=fixture["a"])
    assert result.recommendation == "suspend"

    # then nothing happened to A by itself, and a draft cannot be decided
    assert Partner.objects.get(pk=fixture["a"].pk).status == PartnerStatus.ACTIVE
    with pytest.raises(EvaluationError, match="Terbitkan hasil"):
        evaluation_decide(result=result, decision="suspend", reason="Keluhan tinggi", actor=Actor.for_user(manager))
    evaluation_publish(evaluation=october, actor=Actor.for_user(manager))
    with pytest.raises(EvaluationError, match="Alasan wajib"):
        evaluation_decide(result=result, decision="suspend", reason=" ", actor=Actor.for_user(manager))

    # when the manager suspends A with a reason
    with django_capture_on_commit_callbacks():
        decision = evaluation_decide(
            result=result, decision="suspend", reason="Keluhan peserta tinggi", actor=Actor.for_user(manager)
        )

    # then A is suspended through the lifecycle (history, audit), linked to the decision
    a = Partner.objects.get(pk=fixture["a"].pk)
    assert a.status == PartnerStatus.SUSPENDED
    change = StatusChange.objects.filter(partner=a).latest("changed_at")
    assert decision.status_change == change
    assert "Keluhan peserta tinggi" in change.reason
    assert change.changed_by == manager
    assert AuditEvent.objects.filter(action="evaluation.decided", payload__decision="suspend").exists()
    # and its listings leave the catalogue, and its API starts no new purchase
    assert not catalogue_search(filters=CourseFilters(), platform=a.slug).exists()
    with pytest.raises(PurchaseError) as refused:
        purchase_create(
            partner=a,
            card_number=participant_card.number,
            platform_account="akun-1",
            listing_id=Listing.objects.filter(partner=a)[0].pk,
        )
    assert refused.value.code == "partner_not_active"
    # and a result is decided once
    with pytest.raises(EvaluationError, match="sudah diputuskan"):
        evaluation_decide(result=result, decision="terminate", reason="x", actor=Actor.for_user(manager))


def test_continue_reinstates_a_suspended_platform_and_a_warning_is_written_to_it(
    fixture, django_capture_on_commit_callbacks
):
    # given A suspended earlier and B active with a contact and a webhook endpoint, October published
    a, b = fixture["a"], fixture["b"]
    partner_status_change(partner=a, to=PartnerStatus.SUSPENDED, reason="Audit", actor=SYSTEM)
    Partner.objects.filter(pk=b.pk).update(contact_email="mitra@b.example")
    WebhookEndpoint.objects.create(partner=b, url="https://hooks.b.example/prakerja", secret_encrypted=b"x")
    scorecard(SIMPLE)
    october = evaluation_run(period=OCTOBER, actor=SYSTEM)
    evaluation_publish(evaluation=october, actor=SYSTEM)
    manager = Actor.for_user(StaffUserFactory.create(group="partner_manager"))

    # when the manager lets A continue and warns B
    with django_capture_on_commit_callbacks() as callbacks:
        evaluation_decide(
            result=october.results.get(partner=a), decision="continue", reason="Perbaikan selesai", actor=manager
        )
        evaluation_decide(
            result=october.results.get(partner=b), decision="warning", reason="Penyelesaian rendah", actor=manager
        )
    emails = [c for c in callbacks if getattr(c, "name", None) == email_send.name]
    run_after_commit_tasks(emails)

    # then A is active again, and B, still active, is warned by email and by webhook
    assert Partner.objects.get(pk=a.pk).status == PartnerStatus.ACTIVE
    assert Partner.objects.get(pk=b.pk).status == PartnerStatus.ACTIVE
    assert WebhookEvent.objects.filter(partner=b, type="partner.warning").exists()
    assert SandboxMessage.objects.filter(to="mitra@b.example", subject__contains="Peringatan").exists()


def test_evaluate_partners_command_computes_a_period(fixture, capsys):
    scorecard(SIMPLE)
    call_command("evaluate_partners", "--period", "2026-10")
    out = capsys.readouterr().out
    assert "2026-10: draft computed" in out
    assert "A" in out
    assert Evaluation.objects.get(period=OCTOBER).results.count() == 3


def test_a_period_not_started_yet_is_refused(fixture):
    scorecard(SIMPLE)
    next_month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with pytest.raises(EvaluationError, match="belum dimulai"):
        evaluation_run(period=next_month, actor=SYSTEM)


def test_a_bad_period_is_refused_in_plain_words(fixture):
    with pytest.raises(CommandError, match="TTTT-BB"):
        call_command("evaluate_partners", "--period", "Oktober")


# --- Admin screens ----------------------------------------------------------------------------


@pytest.fixture
def published(fixture) -> Evaluation:
    scorecard(SIMPLE)
    evaluation = evaluation_run(period=OCTOBER, actor=SYSTEM)
    return evaluation_publish(evaluation=evaluation, actor=SYSTEM)


def _client(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


@pytest.mark.parametrize(
    ("group", "status"),
    [("partner_manager", 200), ("pmo_admin", 200), ("auditor", 200), ("curator", 403), ("finance", 403)],
)
def test_who_may_see_the_league_table(staff_groups, published, group, status):
    response = _client(group).get(f"/admin/partners/evaluation/{published.pk}/change/")
    assert response.status_code == status


def test_the_league_table_shows_ranks_charts_drill_down_and_decisions(
    staff_groups, published, django_assert_max_num_queries
):
    client = _client("partner_manager")
    # when the partner manager opens October (queries do not grow with the platforms)
    with django_assert_max_num_queries(12):
        response = client.get(f"/admin/partners/evaluation/{published.pk}/change/")
    page = response.content.decode()
    # then the table, the chart data and its library (served locally), and the decide links are there
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert 'id="league-data"' in page
    a = published.results.get(partner__name="A")
    assert f"/admin/partners/evaluation/result/{a.pk}/decide/" in page
    # and a number leads to the purchases behind it, which the purchase list shows
    link = "/admin/partners/purchase/?partner__id__exact="
    assert link in page
    drill = page[page.index(link) :].split('"')[0].replace("&amp;", "&")
    listing = client.get(drill)
    assert listing.status_code == 200
    assert "9 " in listing.content.decode()


def test_every_number_in_the_league_table_opens_the_rows_behind_it(staff_groups, published):
    # given the partner manager on October's league table
    client = _client("partner_manager")
    page = client.get(f"/admin/partners/evaluation/{published.pk}/change/").content.decode()
    links = {link.replace("&amp;", "&") for link in re.findall(r'href="(/admin/[a-z]+/[a-z]+/\?[^"]+)"', page)}
    # then each drill-down (purchases, reviews, complaints, API requests, webhooks, listings) opens
    lists = {link.split("?")[0] for link in links}
    assert {
        "/admin/partners/purchase/",
        "/admin/courses/coursereview/",
        "/admin/applicants/complaint/",
        "/admin/partners/apirequestlog/",
        "/admin/partners/webhookdelivery/",
        "/admin/partners/listing/",
    } <= lists
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link  # an unknown lookup would redirect to ?e=1


def test_deciding_through_the_admin_needs_a_partner_manager(staff_groups, published):
    a = published.results.get(partner__name="A")
    url = f"/admin/partners/evaluation/result/{a.pk}/decide/"
    assert _client("pmo_admin").post(url, {"decision": "suspend", "reason": "x"}).status_code == 403
    response = _client("partner_manager").post(url, {"decision": "suspend", "reason": "Keluhan tinggi"})
    assert response.status_code == 302
    assert Partner.objects.get(name="A").status == PartnerStatus.SUSPENDED


def test_publishing_and_computing_need_a_partner_manager(staff_groups, fixture):
    scorecard(SIMPLE)
    draft = evaluation_run(period=OCTOBER, actor=SYSTEM)
    assert _client("auditor").post(f"/admin/partners/evaluation/{draft.pk}/publish/").status_code == 403
    assert _client("pmo_admin").post("/admin/partners/evaluation/compute/", {"period": "2026-10"}).status_code == 403
    assert _client("partner_manager").post(f"/admin/partners/evaluation/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.PUBLISHED


def test_the_csv_has_every_platforms_kpis_and_is_audited(staff_groups, published):
    response = _client("auditor").get(f"/admin/partners/evaluation/{published.pk}/csv/")
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("rank,platform,score,recommendation,decision,purchases_created")
    assert len(lines) == 4
    assert AuditEvent.objects.filter(action="evaluation.exported").exists()


def test_a_platforms_trend_page_charts_its_periods(staff_groups, published):
    response = _client("partner_manager").get(
        f"/admin/partners/evaluation/trend/{published.results.get(partner__name='A').partner_id}/"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="trend-data"' in page
    assert "2026-10" in page


def test_only_the_pmo_edits_scorecards(staff_groups):
    scorecard(SIMPLE, activate=False)
    assert _client("pmo_admin").get("/admin/partners/scorecard/add/").status_code == 200
    assert _client("partner_manager").get("/admin/partners/scorecard/add/").status_code == 403
