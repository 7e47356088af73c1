"""The programme dashboard (admin home) on a national-size database: 1,000,000 applicants at
every stage of the funnel in 38 provinces, 600,000 wave members, 200,000 participants (cards),
1,000,000 purchases of 8 platforms over the last 31 days, 100,000 paid incentives in 10
disbursement runs (2% failed), and a month's evaluation.

Measures the page a PMO user opens (GET /admin/ as a superuser, every section shown: it reads
the stored figures) and the refresh job that computes them (each section on its own)."""

import datetime as dt
import os
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from partners.evaluation.services.evaluations import evaluation_run
from partners.evaluation.services.scorecards import scorecard_create
from partners.models.evaluation import DEFAULT_RULES
from prakerja.core.actor import Actor
from prakerja.core.dashboard import dashboard_refresh, sections
from tests.benchmarks.bench_evaluation import SHARES, _without_indexes, catalogue, purchases_load
from tests.benchmarks.bench_selection import _execute, _people, _scalar
from tests.factories import PartnerFactory, SchemeFactory, UserFactory, WaveFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = int(os.environ.get("BENCH_DASHBOARD_APPLICANTS", "1000000"))
PARTICIPANTS = APPLICANTS // 5
PURCHASES = APPLICANTS
PAGE_LOADS = 30
BIG_TABLES = ["partners_purchase", "applicants_applicant", "applicants_card", "applicants_wavemember"]


def _funnel(first: int) -> int:
    """Stages by the applicant's index i: 90% verified their email, 80% identity, 70% the test,
    60% joined the wave, 20% selected (cards), 18% bought, 10% completed, 5% reviewed and paid."""
    i = f"(a.id - {first})"
    _execute(
        f"""
        UPDATE applicants_applicant AS a SET
            email_verified_at = CASE WHEN {i} % 10 < 9 THEN now() END,
            identity_completed_at = CASE WHEN {i} % 10 < 8 THEN now() END,
            basic_test_completed_at = CASE WHEN {i} % 10 < 7 THEN now() END
        WHERE a.id >= {first}
        """
    )
    scheme = SchemeFactory.create()
    wave = WaveFactory.create(number=96, scheme=scheme, national_quota=PARTICIPANTS, status="announced")
    WaveFactory.create(number=97, scheme=scheme, national_quota=PARTICIPANTS)
    _execute(
        f"""
        INSERT INTO applicants_wavemember (wave_id, applicant_id, province_id, statements_accepted_at, joined_at)
        SELECT {wave.pk}, a.id, a.province_id, now(), now() FROM applicants_applicant AS a
        WHERE a.id >= {first} AND {i} % 10 < 6 ORDER BY a.id
        """
    )
    _execute(
        f"""
        INSERT INTO applicants_card (number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                                     issued_at, purchase_deadline, first_purchase_at)
        SELECT '7' || lpad(a.id::text, 15, '0'), a.id, a.id, {wave.pk}, {scheme.pk}, -a.id, 'active', now(),
               now() + interval '30 days', CASE WHEN {i} % 50 < 9 * 5 THEN now() END
        FROM applicants_applicant AS a WHERE a.id >= {first} AND {i} % 5 = 0 ORDER BY a.id
        """
    )
    _execute(
        f"""
        INSERT INTO applicants_entitlement (card_id, first_course_id, first_purchase_ref, completed_at, reviewed_at,
                                            scheduled_at, account_id)
        SELECT c.id, 1, '', now(), CASE WHEN {i} % 20 = 0 THEN now() END, NULL, NULL
        FROM applicants_card AS c JOIN applicants_applicant AS a ON a.id = c.applicant_id
        WHERE a.id >= {first} AND {i} % 10 = 0
        """
    )
    _execute(
        f"""
        INSERT INTO applicants_instalment (card_id, kind, number, amount, due_on, status, held_reason, created_at,
                                           payable_at, paid_at)
        SELECT c.id, 'post_training', 1, 600000, current_date, 'paid', '', now(), now(), now()
        FROM applicants_card AS c JOIN applicants_applicant AS a ON a.id = c.applicant_id
        WHERE a.id >= {first} AND {i} % 20 = 0
        """
    )
    _execute(
        """
        INSERT INTO applicants_disbursementrun (day, status, payout_count, total_amount, created_at)
        SELECT current_date - g, 'submitted', 0, 0, now() FROM generate_series(1, 10) AS g
        """
    )
    first_run = _scalar("SELECT min(id) FROM applicants_disbursementrun")
    _execute(
        f"""
        INSERT INTO applicants_payout (run_id, instalment_id, payout_account_id, channel, account_number, amount,
                                       account_id, status, response_code, failure_reason, created_at, settled_at,
                                       updated_at)
        SELECT {first_run} + n.id % 10, n.id, 1, 'bca', '123', 600000, -n.card_id,
               CASE WHEN n.id % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
               CASE WHEN n.id % 50 = 0 THEN '4031801' ELSE '2003300' END,
               CASE WHEN n.id % 100 = 0 THEN 'Rekening tidak aktif' WHEN n.id % 50 = 0 THEN 'Nama tidak cocok'
                    ELSE '' END,
               now(), now(), now()
        FROM applicants_instalment AS n
        """
    )
    _execute(
        "UPDATE applicants_disbursementrun AS r SET payout_count = s.n, total_amount = s.total "
        "FROM (SELECT run_id, count(*) AS n, sum(amount) AS total FROM applicants_payout GROUP BY run_id) AS s "
        "WHERE s.run_id = r.id"
    )
    return _scalar("SELECT min(c.id) FROM applicants_card AS c WHERE c.applicant_id >= %s", [first])


def test_dashboard_on_a_national_database(report, regions):
    # given a national-size programme
    started = time.monotonic()
    partners = [PartnerFactory.create(name=f"Platform {n}", slug=f"dash-{n}") for n in range(len(SHARES))]
    first = _people(APPLICANTS, "dsh")
    first_card = _funnel(first)
    ids = {**catalogue(partners[0].pk), "card": first_card}
    definitions = _without_indexes(["partners_purchase"])
    month_start = (timezone.now() - dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S+00")
    _execute("SET session_replication_role = replica")
    try:
        purchases_load(ids, count=PURCHASES, cards=PARTICIPANTS, month_start=month_start)
    finally:
        _execute("SET session_replication_role = origin")
    for definition in definitions:
        _execute(definition)
    for table in BIG_TABLES:
        _execute(f"VACUUM ANALYZE {table}")
    scorecard_create(rules=DEFAULT_RULES, actor=Actor.system("bench"), activate=True)
    evaluation_run(period=timezone.localdate().replace(day=1), actor=Actor.system("bench"))
    loaded = time.monotonic() - started

    # when the refresh job computes the figures
    begin = time.monotonic()
    durations = dashboard_refresh()
    refresh = time.monotonic() - begin
    assert set(durations) == {section.key for section in sections()}
    report(
        "dashboard_refresh_job",
        refresh,
        "s",
        applicants=APPLICANTS,
        participants=PARTICIPANTS,
        purchases=PURCHASES,
        sections_ms=durations,
        load_s=round(loaded, 1),
    )

    # and a PMO user opens the admin home, again and again
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True, email="dash@bench.id"))
    assert client.get("/admin/").status_code == 200
    times = []
    for _ in range(PAGE_LOADS):
        begin = time.perf_counter()
        response = client.get("/admin/")
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    # then every section is on the page with the programme's figures
    body = response.content.decode()
    assert "dash-funnel-data" in body
    assert f"[{APPLICANTS}, " in body  # the funnel's first figure, in the chart's data
    times.sort()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    report(
        "dashboard_page",
        statistics.median(times),
        "ms",
        p95_ms=round(times[int(0.95 * len(times)) - 1], 1),
        max_ms=round(times[-1], 1),
        loads=PAGE_LOADS,
        applicants=APPLICANTS,
        participants=PARTICIPANTS,
        purchases=PURCHASES,
        aim_ms=300,
        database=size,
    )
