"""The registries re-checked before a payout run at national scale: a run of 1,000,000 due
instalments (one per participant, half under a scheme that excludes other social aid) checked
against 1,000,000 registry rows in use. Planted: 1% of the participants on a list that stops
their money, 1,000 on each of the ten kinds that do; and traps that must not hold anyone:
social aid under the scheme that allows it, wages at the threshold, priority lists, an older
version of a list, rows about people not in the run. Measures `registry_check_run_create`
(the statement, the holds and their audit rows), then the same check again (nothing new)."""

import os
import time
from typing import Any

import pytest
from django.db import connection

from applicants.disbursement.services.registry_check import registry_check_run_create
from applicants.disbursement.services.runs import _CANDIDATES, _LIVE
from applicants.models import DisbursementRun, Hold
from prakerja.core.actor import Actor
from tests.benchmarks.bench_selection import _execute, _people, _scalar
from tests.factories import SchemeFactory, WaveFactory

pytestmark = pytest.mark.django_db(transaction=True)

INSTALMENTS = int(os.environ.get("BENCH_REGISTRY_CHECK_INSTALMENTS", "1000000"))
REGISTRY_ROWS = int(os.environ.get("BENCH_REGISTRY_CHECK_ROWS", str(INSTALMENTS)))
# Participant i (applicant first + i) with i % 100 == 0 is on list (i / 100) % 10: all even, so
# all under the strict scheme, where social aid counts too.
PLANTED = [
    ("civil_servant", "BKN"),
    ("state_official", "KPK"),
    ("village_official", "Kemendes"),
    ("soe_director", "KemenBUMN"),
    ("student", "Dapodik"),
    ("social_aid", "DTKS"),
    ("wage_earner", "BPJS Ketenagakerjaan"),
    ("deceased", "Dukcapil"),
    ("blacklist", "PMO"),
    ("prior_recipient", "PMO"),
]
ABOVE, AT = 5_000_000, 3_500_000


def _import(kind: str, source: str, *, version: int = 1, current: bool = True) -> int:
    _execute(
        "INSERT INTO applicants_registryimport (kind, source, version, file, original_name, status, is_current,"
        " rows_total, rows_accepted, rows_rejected, rejections, error, created_at) "
        "VALUES (%s, %s, %s, '', 'bench.csv', 'done', %s, 0, 0, 0, '[]', '', now())",
        [kind, source, version, current],
    )
    return _scalar(
        "SELECT id FROM applicants_registryimport WHERE kind = %s AND source = %s AND version = %s",
        [kind, source, version],
    )


def _rows(import_id: int, select_sql: str) -> None:
    """Entries from `select_sql` yielding (nik_index, amount)."""
    _execute(
        f"INSERT INTO applicants_registryentry (nik_index, registry_import_id, amount) "
        f"SELECT DISTINCT ON (nik) nik, {import_id}, amount FROM ({select_sql}) AS s(nik, amount)"
    )


def _participants(count: int) -> int:
    """`count` participants with a card (even ones under the strict scheme), a completed and
    reviewed course, an active account and one payable instalment; the first applicant id."""
    normal = SchemeFactory.create()
    strict = SchemeFactory.create(
        name="Semi-bansos 2020-2022 (uji)", exclude_social_aid=True, effective_from="2020-01-01"
    )
    wave = WaveFactory.create(number=91, scheme=normal, national_quota=count)
    first = _people(count, "rc")
    _execute(
        """
        INSERT INTO applicants_card (number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                                     issued_at, purchase_deadline, first_purchase_at)
        SELECT '9' || lpad(a.id::text, 15, '0'), a.id, a.id, %(wave)s,
               CASE WHEN (a.id - %(first)s) %% 2 = 0 THEN %(strict)s ELSE %(normal)s END,
               -a.id, 'active', now(), now(), now()
        FROM applicants_applicant AS a WHERE a.id >= %(first)s ORDER BY a.id
        """,
        {"wave": wave.pk, "first": first, "strict": strict.pk, "normal": normal.pk},
    )
    _execute(
        """
        INSERT INTO applicants_entitlement (card_id, first_course_id, first_purchase_ref, completed_at, reviewed_at,
                                            scheduled_at, account_id)
        SELECT c.id, 1, 'bench', now(), now(), now(), c.id FROM applicants_card AS c WHERE c.applicant_id >= %s
        """,
        [first],
    )
    _execute(
        """
        INSERT INTO applicants_payoutaccount (applicant_id, channel, account_number, holder_name, match, status,
                                              created_at, activated_at, review_note)
        SELECT a.id, 'bni', (7000000000 + a.id)::text, upper(a.full_name), 'exact', 'active', now(), now(), ''
        FROM applicants_applicant AS a WHERE a.id >= %s
        """,
        [first],
    )
    _execute(
        """
        INSERT INTO applicants_instalment (card_id, kind, number, amount, due_on, status, held_reason, created_at)
        SELECT c.id, 'post_training', 1, 600000, current_date, 'payable', '', now()
        FROM applicants_card AS c WHERE c.applicant_id >= %s ORDER BY c.id
        """,
        [first],
    )
    return first


def test_registry_check_before_a_national_payout_run(report, regions) -> None:
    started = time.perf_counter()
    first = _participants(INSTALMENTS)
    i = f"(a.id - {first})"
    participant = f"FROM applicants_applicant AS a WHERE a.id >= {first}"
    # Given: the planted hits, one list per kind
    imports = {}
    for k, (kind, source) in enumerate(PLANTED):
        imports[kind] = _import(kind, source)
        amount = ABOVE if kind == "wage_earner" else "NULL"
        _rows(
            imports[kind],
            f"SELECT a.nik_index, {amount}::bigint {participant} AND {i} % 100 = 0 AND ({i} / 100) % 10 = {k}",
        )
    # and the traps, all on participants of the run with i % 100 in 1..3 (odd ones: normal scheme)
    _rows(imports["social_aid"], f"SELECT a.nik_index, NULL::bigint {participant} AND {i} % 100 = 1")
    _rows(imports["wage_earner"], f"SELECT a.nik_index, {AT}::bigint {participant} AND {i} % 100 = 2")
    _rows(_import("priority", "Kemnaker"), f"SELECT a.nik_index, NULL::bigint {participant} AND {i} % 100 = 3")
    _rows(
        _import("civil_servant", "BKN-lama", current=False),
        f"SELECT a.nik_index, NULL::bigint {participant} AND {i} % 100 = 4",
    )
    # and other agencies' rows about people who are not in the run, up to the registry size
    loaded = _scalar("SELECT count(*) FROM applicants_registryentry")
    per_list = max(REGISTRY_ROWS - loaded, 0) // len(PLANTED)
    for kind, import_id in imports.items():
        amount = ABOVE if kind == "wage_earner" else "NULL"
        _rows(import_id, f"SELECT 'luar-{kind}-' || g, {amount}::bigint FROM generate_series(1, {per_list}) AS g")
    registry_rows = _scalar("SELECT count(*) FROM applicants_registryentry")
    planted = _scalar(f"SELECT count(*) {participant} AND {i} % 100 = 0")
    _execute("ANALYZE")
    setup_seconds = time.perf_counter() - started
    run = DisbursementRun.objects.create(day="2026-12-01")
    actor = Actor.system("bench-registry-check")
    candidates = _CANDIDATES
    params: dict[str, Any] = {"after": 0, "live": _LIVE}

    if os.environ.get("BENCH_EXPLAIN"):
        from applicants.disbursement.services.registry_check import _HITS, RUN_PAYS

        with connection.cursor() as cursor:
            paid = f"EXISTS (SELECT 1 {candidates} AND c.applicant_id = l.applicant_id OFFSET 0) OR {RUN_PAYS}"
            sql = _HITS.replace("{paid}", paid).replace(
                "CREATE TEMP TABLE registry_hits ON COMMIT DROP AS", "EXPLAIN (ANALYZE, BUFFERS)"
            )
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET jit = off")
            cursor.execute(sql, params | {"run": run.pk, "imports": sorted(imports.values())})
            print("\n".join(row[0] for row in cursor.fetchall()))

    # When: the run's participants are checked against every list in use
    started = time.perf_counter()
    held = registry_check_run_create(run_id=run.pk, candidates_sql=candidates, candidate_params=params, actor=actor)
    seconds = time.perf_counter() - started
    # and again, as a resumed run would (everything found is held already)
    started = time.perf_counter()
    again = registry_check_run_create(run_id=run.pk, candidates_sql=candidates, candidate_params=params, actor=actor)
    again_seconds = time.perf_counter() - started

    # Then: every planted participant is held once, by the list they were planted on, nobody else
    found = _scalar(
        f"SELECT count(*) FROM applicants_hold AS h JOIN applicants_applicant AS a ON a.id = h.applicant_id "
        f"WHERE a.id >= {first} AND {i} % 100 = 0 "
        f"AND h.source = 'registry:' || (ARRAY[{','.join(str(imports[k]) for k, _s in PLANTED)}])[1 + ({i} / 100) % 10]"
    )
    false_hits = _scalar(
        f"SELECT count(*) FROM applicants_hold AS h JOIN applicants_applicant AS a ON a.id = h.applicant_id "
        f"WHERE NOT (a.id >= {first} AND {i} % 100 = 0)"
    )
    assert held == planted == found == Hold.objects.count()
    assert false_hits == 0
    assert again == 0
    size = {"instalments": INSTALMENTS, "registry_rows": registry_rows, "lists_in_use": len(imports) + 1}
    report(
        "registry_check.before_run",
        seconds,
        "s",
        cpu_ms_per_instalment=round(seconds * 1000 / INSTALMENTS, 4),
        planted=planted,
        found=found,
        false_hits=false_hits,
        setup_seconds=round(setup_seconds, 1),
        **size,
    )
    report("registry_check.again_nothing_new", again_seconds, "s", held=again, **size)
