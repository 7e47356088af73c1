"""A wave's selection end to end at national scale: 1,000,000 members in 38 provinces, quotas
totalling 200,000, 5% planted ineligible across every registry kind, ages and family cards,
500,000 registry rows. Measures selection + decisions + cards + ledger postings, and checks
that no planted ineligible is selected and no eligible member is marked ineligible."""

import datetime as dt
import os
import time

import pytest
from django.db import connection
from django.utils import timezone

from applicants.models import Card, Decision, Outcome, Province, Scheme, Wave, WaveProvinceQuota, WaveStatus
from applicants.waves.services.selection import wave_selection_run
from prakerja.ledger.models import AccountKind, LedgerAccount, Posting
from prakerja.ledger.services import Line, account_get_or_create, posting_create
from tests.factories import SchemeFactory

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = int(os.environ.get("BENCH_SELECTION_MEMBERS", "1000000"))
QUOTA = MEMBERS // 5
REGISTRY_ROWS = MEMBERS // 2
PRIOR_PAIRS = 5_000
# Planted kinds, one per (i / 20) % 11 among members with i % 20 == 0 (5% of the wave).
PLANTED = [
    ("civil_servant", "civil_servant", "BKN"),
    ("state_official", "state_official", "KPK"),
    ("village_official", "village_official", "Kemendes"),
    ("soe_director", "soe_director", "KemenBUMN"),
    ("student", "student", "Dapodik"),
    ("student", "student", "PDDikti"),
    ("blacklisted", "blacklist", "PMO"),
    ("prior_recipient", "prior_recipient", "PMO"),
    ("age", None, "born 2010"),
    ("age", None, "born 1955"),
    ("family_card_limit", None, "two earlier recipients"),
]


def _execute(sql: str, params: list | dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _people(count: int, tag: str) -> int:
    """Insert `count` ready applicants (with users); return the first applicant id."""
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    _execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, full_name, is_staff, is_active, date_joined)
        SELECT '!', false, %(tag)s || g || '@bench.id', 'Peserta ' || g, false, true, now()
        FROM generate_series(1, %(count)s) AS g
        """,
        {"tag": tag, "count": count},
    )
    first_user = _scalar("SELECT min(id) FROM accounts_user WHERE email LIKE %s", [f"{tag}%"])
    _execute(
        """
        INSERT INTO applicants_applicant (
            user_id, step, nik_index, nik_masked, kk_index, kk_masked, full_name, gender, nik_region_known,
            flag_birth_date_mismatch, review_status, review_reason, phone, address, education,
            marital_status, employment_status, training_interests, ktp_photo, created_at, updated_at,
            nik_birth_date, birth_date, province_id, identity_verified_at
        )
        SELECT u.id, 'ready', %(tag)s || 'nik-' || u.id, '3273********0001', %(tag)s || 'kk-' || u.id,
               '3273********0001', u.full_name, 'F', true, false, 'none', '', '+62812' || u.id, 'Jl. Uji',
               'sma', 'single', 'unemployed', '{}', '', now(), now(),
               date '1966-01-01' + ((u.id * 7919) %% 14000)::int,
               date '1966-01-01' + ((u.id * 7919) %% 14000)::int,
               (%(provinces)s::text[])[1 + (u.id %% 38)], now()
        FROM accounts_user AS u WHERE u.email LIKE %(pattern)s ORDER BY u.id
        """,
        {"tag": tag, "provinces": provinces, "pattern": f"{tag}%"},
    )
    return _scalar("SELECT min(a.id) FROM applicants_applicant AS a WHERE a.user_id >= %s", [first_user])


def _registry(kind: str, source: str, nik_sql: str) -> None:
    _execute(
        "INSERT INTO applicants_registryimport (kind, source, version, file, original_name, status, is_current,"
        " rows_total, rows_accepted, rows_rejected, rejections, error, created_at) "
        "VALUES (%s, %s, 1, '', 'bench.csv', 'done', true, 0, 0, 0, '[]', '', now()) "
        "ON CONFLICT DO NOTHING",
        [kind, source],
    )
    import_id = _scalar("SELECT id FROM applicants_registryimport WHERE kind = %s AND source = %s", [kind, source])
    _execute(
        f"INSERT INTO applicants_registryentry (nik_index, registry_import_id) "
        f"SELECT DISTINCT nik, {import_id} FROM ({nik_sql}) AS s(nik)"
    )


def _wave(number: int, quota: int, scheme: Scheme) -> Wave:
    now = timezone.now()
    return Wave.objects.create(
        number=number,
        scheme=scheme,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(hours=1),
        national_quota=quota,
        status=WaveStatus.CLOSED,
    )


def _members(wave: Wave, first_applicant: int, count: int) -> None:
    _execute(
        """
        INSERT INTO applicants_wavemember (wave_id, applicant_id, province_id, statements_accepted_at, joined_at)
        SELECT %s, a.id, a.province_id, now(), now() FROM applicants_applicant AS a
        WHERE a.id >= %s AND a.id < %s ORDER BY a.id
        """,
        [wave.pk, first_applicant, first_applicant + count],
    )


def test_selection_of_a_national_wave(report, regions) -> None:
    # Earlier benchmarks in the same run flush the database, migration-seeded schemes included.
    scheme = SchemeFactory.create()
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(
        idempotency_key="bench-budget",
        kind="budget",
        lines=[Line(budget.pk, -(10**16)), Line(fund.pk, 10**16)],
    )

    # Given an earlier wave whose 10,000 recipients are 5,000 pairs sharing a family card
    prior_first = _people(PRIOR_PAIRS * 2, "p")
    _execute(
        "UPDATE applicants_applicant SET kk_index = 'fam-prior-' || ((id - %s) / 2) WHERE id >= %s AND id < %s",
        [prior_first, prior_first, prior_first + PRIOR_PAIRS * 2],
    )
    prior = _wave(1, PRIOR_PAIRS * 2, scheme)
    _members(prior, prior_first, PRIOR_PAIRS * 2)
    wave_selection_run(wave_id=prior.pk, seed=1)
    assert Card.objects.filter(wave=prior).count() == PRIOR_PAIRS * 2

    # and the big wave: member i is applicant first + i
    started = time.perf_counter()
    first = _people(MEMBERS, "w")
    a = f"(a.id - {first})"  # the member's index i
    for k, (_reason, kind, source) in enumerate(PLANTED):
        if kind is not None:
            _registry(
                kind,
                source,
                f"SELECT a.nik_index FROM applicants_applicant AS a WHERE a.id >= {first} "
                f"AND {a} % 20 = 0 AND ({a} / 20) % 11 = {k}",
            )
    planted_where = {k: f"{a} % 20 = 0 AND ({a} / 20) % 11 = {k}" for k in range(len(PLANTED))}
    applicants = f"UPDATE applicants_applicant AS a SET {{}} WHERE a.id >= {first} AND {{}}"
    _execute(applicants.format("nik_birth_date = date '2010-06-01'", planted_where[8]))
    _execute(applicants.format("nik_birth_date = date '1955-06-01'", planted_where[9]))
    _execute(
        f"UPDATE applicants_applicant AS a SET kk_index = 'fam-prior-' || (({a} / 220) % {PRIOR_PAIRS}) "
        f"WHERE a.id >= {first} AND {planted_where[10]}"
    )
    # Families of three in this wave (none earlier): one of each is stopped by the limit of 2.
    _execute(
        f"UPDATE applicants_applicant AS a SET kk_index = 'fam-tri-' || ({a} / 200) "
        f"WHERE a.id >= {first} AND {a} % 200 IN (2, 3, 4)"
    )
    # Eligible people on lists that must not exclude them: social aid (the normal scheme
    # allows it) and priority lists; and the other agencies' rows about people not in the wave.
    _registry(
        "social_aid",
        "DTKS",
        f"SELECT a.nik_index FROM applicants_applicant AS a WHERE a.id >= {first} AND {a} % 20 = 1",
    )
    _registry(
        "priority",
        "Kemnaker",
        f"SELECT a.nik_index FROM applicants_applicant AS a WHERE a.id >= {first} AND {a} % 50 = 7",
    )
    loaded = _scalar("SELECT count(*) FROM applicants_registryentry")
    _registry(
        "civil_servant",
        "BKN-2",
        f"SELECT 'other-' || g FROM generate_series(1, {max(REGISTRY_ROWS - loaded, 0)}) AS g",
    )
    registry_rows = _scalar("SELECT count(*) FROM applicants_registryentry")

    wave = _wave(2, QUOTA, scheme)
    _members(wave, first, MEMBERS)
    provinces = list(Province.objects.order_by("code"))
    weights = [i + 1 for i in range(len(provinces))]
    shares = [QUOTA * w // sum(weights) for w in weights]
    shares[-1] += QUOTA - sum(shares)
    WaveProvinceQuota.objects.bulk_create(
        [WaveProvinceQuota(wave=wave, province=p, quota=q) for p, q in zip(provinces, shares, strict=True)]
    )
    _execute("ANALYZE")
    setup_seconds = time.perf_counter() - started

    if os.environ.get("BENCH_EXPLAIN"):
        from applicants.waves.services.selection import _DECISIONS_SQL, _parameters

        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + _DECISIONS_SQL, _parameters(wave, 20260401))
            print("\n".join(row[0] for row in cursor.fetchall()))

    # When the selection runs end to end
    started = time.perf_counter()
    result = wave_selection_run(wave_id=wave.pk, seed=20260401)
    elapsed = time.perf_counter() - started
    wave.refresh_from_db()
    assert wave.decided_at is not None
    assert wave.selection_started_at is not None

    # Then: every planted ineligible is ineligible for its reason, no eligible member is
    # marked ineligible, quotas hold, and every selected member has one card and one posting
    member_i = f"(m.applicant_id - {first})"
    planted_sql = f"{member_i} % 20 = 0"
    planted_selected = _scalar(
        f"SELECT count(*) FROM applicants_decision d JOIN applicants_wavemember m ON m.id = d.member_id "
        f"WHERE d.wave_id = {wave.pk} AND {planted_sql} AND d.outcome <> 'ineligible'"
    )
    wrong_reason = 0
    for k, (reason, _kind, _source) in enumerate(PLANTED):
        wrong_reason += _scalar(
            f"SELECT count(*) FROM applicants_decision d JOIN applicants_wavemember m ON m.id = d.member_id "
            f"WHERE d.wave_id = {wave.pk} AND {planted_sql} AND ({member_i} / 20) % 11 = {k} "
            f"AND NOT ('{reason}' = ANY(d.reasons))"
        )
    triples = f"{member_i} % 200 IN (2, 3, 4)"
    wrongly_ineligible = _scalar(
        f"SELECT count(*) FROM applicants_decision d JOIN applicants_wavemember m ON m.id = d.member_id "
        f"WHERE d.wave_id = {wave.pk} AND d.outcome = 'ineligible' AND NOT ({planted_sql}) AND NOT ({triples})"
    )
    bad_triples = _scalar(
        f"SELECT count(*) FROM (SELECT {member_i} / 200 AS t, count(*) FILTER (WHERE d.outcome = 'ineligible') AS n "
        f"FROM applicants_decision d JOIN applicants_wavemember m ON m.id = d.member_id "
        f"WHERE d.wave_id = {wave.pk} AND {triples} GROUP BY 1) AS x WHERE n <> 1"
    )
    over_quota = _scalar(
        f"SELECT count(*) FROM (SELECT m.province_id, count(*) AS n FROM applicants_decision d "
        f"JOIN applicants_wavemember m ON m.id = d.member_id WHERE d.wave_id = {wave.pk} AND d.outcome = 'selected' "
        f"GROUP BY 1) AS s JOIN applicants_waveprovincequota q ON q.province_id = s.province_id "
        f"AND q.wave_id = {wave.pk} WHERE s.n > q.quota"
    )
    selected = Decision.objects.filter(wave=wave, outcome=Outcome.SELECTED).count()
    cards = Card.objects.filter(wave=wave).count()
    postings = Posting.objects.filter(kind="card.issue").count() - PRIOR_PAIRS * 2
    funded = LedgerAccount.objects.filter(
        kind=AccountKind.PARTICIPANT_TRAINING, balance=scheme.training_balance
    ).count()

    assert planted_selected == 0
    assert wrong_reason == 0
    assert wrongly_ineligible == 0
    assert bad_triples == 0
    assert over_quota == 0
    assert selected == cards == postings == QUOTA
    assert funded == QUOTA + PRIOR_PAIRS * 2
    assert result.decided == MEMBERS

    decide_seconds = (wave.decided_at - wave.selection_started_at).total_seconds()
    size = {"members": MEMBERS, "quota": QUOTA, "registry_rows": registry_rows, "provinces": len(provinces)}
    report("selection.end_to_end", elapsed, "s", aim="<= 30 s", setup_seconds=round(setup_seconds, 1), **size)
    report("selection.decisions_stage", decide_seconds, "s", **size)
    report("selection.cards_and_postings_stage", elapsed - decide_seconds, "s", cards=cards, **size)
    report("selection.planted_ineligibles_selected", planted_selected, "members", must_be=0, **size)
    report("selection.eligible_marked_ineligible", wrongly_ineligible, "members", must_be=0, **size)
