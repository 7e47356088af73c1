"""Platform evaluation at national scale: one month holding 10,000,000 purchases of 8 platforms
(shares like 2020's), with reviews (30% of completions), complaints (0.5% of purchases), three
API requests and one webhook delivery per purchase. Measures `evaluation_run` end to end (every
KPI query, scoring, writing the results) and each KPI query on its own (purchases: one pass
for counts, value, rates and the median).

The data are written set-based with the tables' secondary indexes dropped and rebuilt after
(as a bulk load would), then VACUUM ANALYZE, as autovacuum would have done on a live table."""

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from partners.evaluation.services import kpis as ev
from partners.evaluation.services.evaluations import evaluation_run
from partners.evaluation.services.scorecards import scorecard_create
from partners.models import Agreement
from partners.models.evaluation import DEFAULT_RULES
from prakerja.core.actor import Actor
from tests.benchmarks.bench_selection import _execute, _people, _scalar
from tests.factories import CategoryFactory, InstitutionFactory, PartnerFactory, SchemeFactory, WaveFactory

pytestmark = pytest.mark.django_db(transaction=True)

PURCHASES = int(os.environ.get("BENCH_EVAL_PURCHASES", "10000000"))
CHUNK = 1_000_000
COURSES = 3000
CARDS = 1000
# Thousandths of the purchases per platform (2020: a few platforms sold most courses).
SHARES = [300, 200, 150, 120, 80, 70, 50, 30]
OCTOBER = "2026-10-01 00:00:00+07"


def _without_indexes(tables: list[str]) -> list[str]:
    """Drop the indexes of these tables that back no constraint; return their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = ANY(%s) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
            [tables],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')  # names come from the catalogue
    return [definition for _name, definition in found]


def _partner_case(column: str) -> str:
    """SQL: the platform index (0-7) of a row from a hash bucket 0-999 in `column`."""
    limits, total, parts = [], 0, []
    for index, share in enumerate(SHARES[:-1]):
        total += share
        limits.append((total, index))
    for limit, index in limits:
        parts.append(f"WHEN {column} < {limit} THEN {index}")
    return "CASE " + " ".join(parts) + f" ELSE {len(SHARES) - 1} END"


def _load() -> dict[str, int]:
    SchemeFactory.create()
    wave = WaveFactory.create(number=95, national_quota=CARDS)
    partners = [PartnerFactory.create(name=f"Platform {n}", slug=f"bench-{n}") for n in range(len(SHARES))]
    # Platform 6's agreement caps its commission at 12%; some of its sales charge 15%.
    Agreement.objects.create(
        partner=partners[6],
        number="BENCH-6",
        signed_on=dt.date(2020, 3, 20),
        starts_on=dt.date(2020, 3, 20),
        ends_on=dt.date(2030, 3, 20),
        commission_cap_bp=1200,
    )
    first_partner = partners[0].pk
    first = _people(CARDS, "evl")
    _execute(
        """
        INSERT INTO applicants_card (number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                                     issued_at, purchase_deadline, first_purchase_at)
        SELECT '8' || lpad(a.id::text, 15, '0'), a.id, a.id, %s, %s, -a.id, 'active', now(), now(), now()
        FROM applicants_applicant AS a WHERE a.id >= %s ORDER BY a.id
        """,
        [wave.pk, wave.scheme_id, first],
    )
    first_card = _scalar("SELECT min(id) FROM applicants_card WHERE applicant_id >= %s", [first])
    return {**catalogue(first_partner), "card": first_card, "applicant": first}


def catalogue(first_partner: int) -> dict[str, int]:
    """COURSES courses, each listed on the 8 platforms (ids first_partner .. + 7)."""
    institution = InstitutionFactory.create()
    category = CategoryFactory.create()
    _execute(
        """
        INSERT INTO courses_course (code, title, description, learning_outcomes, method, total_hours, language,
            price, outside_price, free_elsewhere, is_bundle, status, decision_reasons, rating_count, created_at,
            updated_at, institution_id, category_id, planned_sessions, min_duration_hours)
        SELECT 'EVL-' || g, 'Pelatihan ' || g, 'x', 'y', 'self_paced', 10, 'Bahasa Indonesia',
               100000 + (g %% 30) * 50000, 2000000, false, false, 'approved', '', 0, now(), now(), %s, %s, 1, 10
        FROM generate_series(0, %s) AS g ORDER BY g
        """,
        [institution.pk, category.pk, COURSES - 1],
    )
    first_course = _scalar("SELECT min(id) FROM courses_course WHERE code LIKE 'EVL-%%'")
    _execute(
        """
        INSERT INTO partners_listing (course_id, partner_id, sku, price, is_active, awaiting_approval, url,
                                      created_at)
        SELECT %(course)s + c, %(partner)s + p, 'SKU-' || c, 100000 + (c %% 30) * 50000
               + CASE WHEN p = 7 AND c %% 100 = 0 THEN 5000 ELSE 0 END, true, false, '', now()
        FROM generate_series(0, 7) AS p, generate_series(0, %(last)s) AS c ORDER BY p, c
        """,
        {"course": first_course, "partner": first_partner, "last": COURSES - 1},
    )
    # About one listing in eight of an affiliated institution, disclosed (2020: ~250 of 1,895
    # courses): the affiliated-sales KPI tests each purchase's listing against them.
    _execute(
        "UPDATE partners_listing SET affiliated = true, disclosure = 'Terafiliasi.', disclosed_at = now() "
        "WHERE partner_id >= %s AND course_id %% 8 = 0",
        [first_partner],
    )
    first_listing = _scalar("SELECT min(id) FROM partners_listing WHERE partner_id = %s", [first_partner])
    return {"partner": first_partner, "course": first_course, "listing": first_listing}


PURCHASE_SQL = """
INSERT INTO partners_purchase (id, partner_id, listing_id, course_id, card_id, invoice_code, price,
    commission_rate_bp, commission_amount, status, otp_hash, otp_expires_at, otp_attempts, voucher_code,
    certificate_number, certificate_url, started_at, completed_at, confirmed_at, cancelled_at, created_at,
    updated_at)
SELECT lpad(to_hex(g), 32, '0')::uuid, {first_partner} + p, {first_listing} + p * {courses} + c,
       {first_course} + c, {first_card} + g %% {cards}, 'EVL-' || g, 100000 + (c %% 30) * 50000,
       CASE WHEN p = 6 AND g %% 500 = 0 THEN 1500 ELSE 1000 END,
       (100000 + (c %% 30) * 50000) / 10, st, 'x', created + interval '10 minutes', 0, '', '', '',
       CASE WHEN st = 'completed' OR (st = 'paid' AND g %% 2 = 0) THEN created + interval '1 hour' END,
       CASE WHEN st = 'completed'
            THEN created + interval '1 hour' + ((1 + (g * 7) %% (48 + p * 40)) || ' hours')::interval END,
       CASE WHEN st IN ('completed', 'paid') OR (st = 'cancelled' AND s %% 2 = 0)
            THEN created + interval '5 minutes' END,
       CASE WHEN st = 'cancelled' THEN created + interval '2 days' END,
       created, created
FROM (
    SELECT g, p, c, s, created,
           CASE WHEN s < 68 - p * 3 THEN 'completed' WHEN s < 86 THEN 'paid' WHEN s < 94 THEN 'cancelled'
                WHEN s < 98 THEN 'expired' ELSE 'failed' END AS st
    FROM (
        SELECT g, {partner_case} AS p, (g * 7919) %% {courses} AS c, (g * 40503) %% 100 AS s,
               timestamptz '{october}' + ((g * 104729) %% 2678400) * interval '1 second' AS created
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
    ) AS raw
) AS rows
"""


def purchases_load(ids: dict[str, int], *, count: int, cards: int, month_start: str) -> None:
    """`count` purchases over the 31 days from `month_start`, spread over `cards` cards from ids["card"]."""
    sql = (
        PURCHASE_SQL.replace("{first_partner}", str(ids["partner"]))
        .replace("{first_listing}", str(ids["listing"]))
        .replace("{first_course}", str(ids["course"]))
        .replace("{first_card}", str(ids["card"]))
        .replace("{courses}", str(COURSES))
        .replace("{cards}", str(cards))
        .replace("{october}", month_start)
        .replace("{partner_case}", _partner_case("((g * 2654435761) %% 1000)"))
    )
    for lo in range(1, count + 1, CHUNK):
        _execute(sql, {"lo": lo, "hi": min(lo + CHUNK - 1, count)})


def _others(ids: dict[str, int]) -> None:
    reviews = int(PURCHASES * 0.7 * 0.3)
    _execute(
        """
        INSERT INTO courses_coursereview (course_id, card_id, rating, text, author_name, created_at, platform_id)
        SELECT %(course)s + (g / %(cards)s) %% %(courses)s, %(card)s + g %% %(cards)s,
               LEAST(5, 1 + (g * 31) %% 5 + CASE WHEN (g %% 8) < 4 THEN 1 ELSE 0 END), 'Ulasan', 'P.',
               timestamptz %(october)s + ((g * 104729) %% 2678400) * interval '1 second', %(partner)s + g %% 8
        FROM generate_series(0, %(last)s::bigint) AS g
        """,
        {
            "course": ids["course"],
            "cards": CARDS,
            "courses": COURSES,
            "card": ids["card"],
            "october": OCTOBER,
            "partner": ids["partner"],
            "last": reviews - 1,
        },
    )
    _execute(
        """
        INSERT INTO applicants_complaint (applicant_id, category, subject, body, platform_id, purchase_ref, status,
                                          attachment, created_at, updated_at)
        SELECT %(applicant)s + g %% %(cards)s, 'platform', 'Keluhan', 'Isi', %(partner)s + (g * 13) %% 8, '', 'open',
               '', at, at
        FROM (SELECT g, timestamptz %(october)s + ((g * 104729) %% 2678400) * interval '1 second' AS at
              FROM generate_series(1, %(count)s::bigint) AS g) AS c
        """,
        {
            "applicant": ids["applicant"],
            "cards": CARDS,
            "partner": ids["partner"],
            "october": OCTOBER,
            "count": PURCHASES // 200,
        },
    )
    for lo in range(1, PURCHASES * 3 + 1, CHUNK * 3):
        _execute(
            """
            INSERT INTO partners_apirequestlog (partner_id, method, route, status_code, duration_ms, at)
            SELECT %(partner)s + g %% 8, 'POST', 'purchase-create',
                   CASE WHEN (g * 7) %% 1000 < 5 + (g %% 8) * 4 THEN 401
                        WHEN (g * 11) %% 1000 < 3 THEN 500 ELSE 200 END,
                   20 + g %% 50, timestamptz %(october)s + (g / 3) * interval '267 milliseconds'
            FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g ORDER BY g
            """,
            {"partner": ids["partner"], "october": OCTOBER, "lo": lo, "hi": min(lo + CHUNK * 3 - 1, PURCHASES * 3)},
        )
    endpoint_sql = (
        "INSERT INTO partners_webhookendpoint (partner_id, url, secret_encrypted, is_active, created_at) "
        "SELECT id, 'https://hooks.example/' || id, '\\x00', true, now() FROM partners_partner WHERE id >= %s"
    )
    _execute(endpoint_sql, [ids["partner"]])
    first_endpoint = _scalar("SELECT min(id) FROM partners_webhookendpoint WHERE partner_id >= %s", [ids["partner"]])
    for lo in range(1, PURCHASES + 1, CHUNK):
        hi = min(lo + CHUNK - 1, PURCHASES)
        _execute(
            """
            INSERT INTO partners_webhookevent (id, partner_id, type, payload, created_at)
            SELECT lpad(to_hex(g), 32, '0')::uuid, partner_id, 'purchase.completed', '{}', created_at
            FROM (SELECT g, %(partner)s + g %% 8 AS partner_id,
                         timestamptz %(october)s + g * interval '267 milliseconds' AS created_at
                  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g) AS e
            """,
            {"partner": ids["partner"], "october": OCTOBER, "lo": lo, "hi": hi},
        )
        _execute(
            """
            INSERT INTO partners_webhookdelivery (event_id, endpoint_id, status, attempts, last_error, partner_id,
                                                  created_at, delivered_at)
            SELECT lpad(to_hex(g), 32, '0')::uuid, %(endpoint)s + g %% 8,
                   CASE WHEN (g * 17) %% 1000 < 2 + (g %% 8) * 5 THEN 'failed' ELSE 'delivered' END, 1, '',
                   %(partner)s + g %% 8, timestamptz %(october)s + g * interval '267 milliseconds', now()
            FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
            """,
            {"endpoint": first_endpoint, "partner": ids["partner"], "october": OCTOBER, "lo": lo, "hi": hi},
        )


BIG_TABLES = [
    "partners_purchase",
    "courses_coursereview",
    "applicants_complaint",
    "partners_apirequestlog",
    "partners_webhookevent",
    "partners_webhookdelivery",
]


ONE_COURSE_INDEX = "purchase_one_unfinished_per_card"


@pytest.fixture
def one_course_rule_suspended(transactional_db: None) -> Iterator[None]:
    """The generated month spreads 10 million purchases over 1,000 cards: far more unfinished
    paid purchases per card than the one-course rule's unique index allows (the evaluation reads
    no card). The index is left out while the month is loaded and comes back once its rows are
    gone (this teardown runs before the database is flushed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [ONE_COURSE_INDEX])
        (definition,) = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE partners_purchase CASCADE")
        cursor.execute(f'DROP INDEX IF EXISTS "{ONE_COURSE_INDEX}"')
        cursor.execute(definition)


def test_evaluate_a_month_of_ten_million_purchases(report, one_course_rule_suspended):
    # given a month of purchases for 8 platforms, and what goes with them
    started = time.monotonic()
    ids = _load()
    definitions = [d for d in _without_indexes(BIG_TABLES) if ONE_COURSE_INDEX not in d]
    _execute("SET session_replication_role = replica")  # no FK triggers while loading
    try:
        purchases_load(ids, count=PURCHASES, cards=CARDS, month_start=OCTOBER)
        _others(ids)
    finally:
        _execute("SET session_replication_role = origin")
    for definition in definitions:
        _execute(definition)
    for table in BIG_TABLES:
        _execute(f"VACUUM ANALYZE {table}")
    loaded = time.monotonic() - started
    scorecard_create(rules=DEFAULT_RULES, actor=Actor.system("bench"), activate=True)
    period = dt.date(2026, 10, 1)

    # when the month is evaluated (twice: the second run replaces the draft)
    runs = []
    for _ in range(2):
        begin = time.monotonic()
        evaluation = evaluation_run(period=period, actor=Actor.system("bench"))
        runs.append(time.monotonic() - begin)

    # then every platform has its KPIs, and the figures add up
    results = list(evaluation.results.order_by("rank"))
    assert len(results) == len(SHARES)
    assert sum(r.purchases_created for r in results) == PURCHASES
    assert all(0 < (r.affiliated_sales_share or 0) < 1 for r in results)
    report(
        "evaluation_month",
        min(runs),
        "s",
        purchases=PURCHASES,
        platforms=len(SHARES),
        first_run_s=round(runs[0], 2),
        second_run_s=round(runs[1], 2),
        reviews=_scalar("SELECT count(*) FROM courses_coursereview"),
        complaints=_scalar("SELECT count(*) FROM applicants_complaint"),
        api_requests=_scalar("SELECT count(*) FROM partners_apirequestlog"),
        webhook_deliveries=_scalar("SELECT count(*) FROM partners_webhookdelivery"),
        affiliated_listings=_scalar("SELECT count(*) FROM partners_listing WHERE affiliated"),
        load_s=round(loaded, 1),
    )
    # and each KPI query on its own, to see where the time goes
    start, end = ev.period_bounds(period)
    params = {"start": start, "end": end, "errors": list(ev.API_ERROR_STATUSES)}
    begin = time.monotonic()
    ev._purchase_counts(params)
    report("evaluation_query_purchases", time.monotonic() - begin, "s", purchases=PURCHASES)
    # the same pass with no affiliated listing: what testing each purchase's listing costs
    _execute("UPDATE partners_listing SET affiliated = false WHERE affiliated")
    begin = time.monotonic()
    ev._purchase_counts(params)
    report("evaluation_query_purchases_no_affiliated", time.monotonic() - begin, "s", purchases=PURCHASES)
    for name in ("REVIEWS_SQL", "COMPLAINTS_SQL", "API_SQL", "WEBHOOKS_SQL"):
        begin = time.monotonic()
        ev._rows(getattr(ev, name), params)
        label = f"evaluation_query_{name.removesuffix('_SQL').lower()}"
        report(label, time.monotonic() - begin, "s", purchases=PURCHASES)
