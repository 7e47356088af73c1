"""The duplicate pass over 1,000,000 applicants (every one with a phone, an e-mail, a name and
birth date and a KTP photo hash; one in five with a payout account), with planted groups of
every signal: one of each per block of 1,000 applicants (6,000 groups, a quarter of the phone
groups of three). Measures the first pass and a second one (stable: nothing new), and checks that
every planted group is found with exactly its members and that no other group is."""

import os
import time

import pytest
from django.db import connection

from applicants.duplicates.models import DuplicateGroup
from applicants.duplicates.services.scan import duplicates_scan
from prakerja.core.actor import Actor

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = int(os.environ.get("BENCH_DUPLICATES_APPLICANTS", "1000000"))
BLOCK = 1000
BLOCKS = APPLICANTS // BLOCK
# Planted positions in each block, per signal (the phone's third member in every fourth block).
PLANTED = {
    "phone": (0, 1, 2),
    "payout_account": (10, 11),
    "email_alias": (20, 21),
    "email_series": (30, 31, 32),
    "name_birth_date": (40, 41),
    "ktp_photo": (50, 51),
}


def _execute(sql: str, params: list | dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str, params: list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


# Letters for digits: names and e-mail local parts without numbers (the pass drops digits from
# names and reads trailing numbers of addresses as a series).
LETTERS = "translate(({n})::text, '0123456789', 'abcdefghij')"


def _build() -> None:
    """Insert the applicants set-based."""
    _execute(
        f"""
        INSERT INTO accounts_user (password, is_superuser, email, full_name, is_staff, is_active, date_joined)
        SELECT '!', false, 'warga.' || {LETTERS.format(n="g")} || '@bench.id',
               'Warga ' || initcap({LETTERS.format(n="g")}), false, true, now()
        FROM generate_series(1, %(count)s) AS g
        """,
        {"count": APPLICANTS},
    )
    _execute(
        """
        INSERT INTO applicants_applicant (
            user_id, step, nik_index, nik_masked, kk_index, kk_masked, full_name, gender, nik_region_known,
            flag_birth_date_mismatch, review_status, review_reason, phone, address, education,
            marital_status, employment_status, training_interests, ktp_photo, ktp_phash, created_at, updated_at,
            nik_birth_date, birth_date
        )
        SELECT u.id, 'ready', 'dup-nik-' || u.id, '3273********0001', 'dup-kk-' || u.id, '3273********0001',
               u.full_name, 'F', true, false, 'none', '', '+62812' || lpad(u.id::text, 9, '0'), 'Jl. Uji', 'sma',
               'single', 'unemployed', '{}', 'private/ktp/' || md5(u.id::text) || '.jpg',
               ('x' || substr(md5('photo' || u.id), 1, 16))::bit(64)::bigint, now(), now(),
               date '1966-01-01' + ((u.id * 7919) %% 14000)::int, date '1966-01-01' + ((u.id * 7919) %% 14000)::int
        FROM accounts_user AS u WHERE u.email LIKE 'warga.%%@bench.id' ORDER BY u.id
        """,
        {},
    )
    # Each applicant's place 0..N-1 (ids may have gaps: a sequence does not promise none).
    _execute("DROP TABLE IF EXISTS bench_place")
    _execute(
        "CREATE TEMP TABLE bench_place AS "
        "SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS place FROM applicants_applicant"
    )
    _execute("CREATE UNIQUE INDEX ON bench_place (id); CREATE UNIQUE INDEX ON bench_place (place); ANALYZE bench_place")
    # One in five with a payout account of its own; the planted pair below shares one.
    _execute(
        """
        INSERT INTO applicants_payoutaccount (applicant_id, channel, account_number, holder_name, match, status,
                                              created_at, activated_at, review_note)
        SELECT a.id, (ARRAY['bni', 'bri', 'mandiri', 'bca'])[1 + a.id %% 4], (7000000000 + a.id)::text,
               upper(a.full_name), 'exact', 'active', now(), now(), ''
        FROM applicants_applicant AS a JOIN bench_place AS x ON x.id = a.id
        WHERE x.place %% 5 = 0 AND x.place %% 1000 NOT IN (10, 11)
        """,
        {},
    )
    _plant()
    _execute("ANALYZE accounts_user; ANALYZE applicants_applicant; ANALYZE applicants_payoutaccount")


def _plant() -> None:
    p = {"block": BLOCK}
    pos = "(x.place %% %(block)s)"
    block = "(x.place / %(block)s)"
    # the phone of the block's first applicant on the second (and, every fourth block, the third)
    _execute(
        f"""
        UPDATE applicants_applicant AS a SET phone = o.phone
        FROM bench_place AS x, bench_place AS xo, applicants_applicant AS o
        WHERE x.id = a.id AND xo.place = {block} * %(block)s AND o.id = xo.id
          AND ({pos} = 1 OR ({pos} = 2 AND {block} %% 4 = 0))
        """,
        p,
    )
    _execute(
        f"""
        INSERT INTO applicants_payoutaccount (applicant_id, channel, account_number, holder_name, match, status,
                                              created_at, activated_at, review_note)
        SELECT a.id, 'bri', (8000000000 + {block})::text, upper(a.full_name),
               'exact', CASE WHEN {pos} = 10 THEN 'active' ELSE 'replaced' END, now(), now(), ''
        FROM applicants_applicant AS a JOIN bench_place AS x ON x.id = a.id WHERE {pos} IN (10, 11)
        """,
        p,
    )
    _execute(
        f"""
        UPDATE accounts_user AS u SET email = CASE WHEN {pos} = 20
                THEN 'sama.nama.' || {LETTERS.format(n=block)} || '@gmail.com'
                ELSE 'samanama' || {LETTERS.format(n=block)} || '+kartu@googlemail.com' END
        FROM applicants_applicant AS a JOIN bench_place AS x ON x.id = a.id
        WHERE a.user_id = u.id AND {pos} IN (20, 21)
        """,
        p,
    )
    _execute(
        f"""
        UPDATE accounts_user AS u SET email = 'seri' || {LETTERS.format(n=block)} || ({pos} - 29) || '@yahoo.co.id'
        FROM applicants_applicant AS a JOIN bench_place AS x ON x.id = a.id
        WHERE a.user_id = u.id AND {pos} IN (30, 31, 32)
        """,
        p,
    )
    # the name and birth date, then the photo's hash two bits apart, of the applicant before
    for assign in ("full_name = upper(o.full_name), birth_date = o.birth_date", "ktp_phash = o.ktp_phash # 5"):
        at = 41 if "full_name" in assign else 51
        _execute(
            f"""
            UPDATE applicants_applicant AS a SET {assign}
            FROM bench_place AS x, bench_place AS xo, applicants_applicant AS o
            WHERE x.id = a.id AND {pos} = {at} AND xo.place = x.place - 1 AND o.id = xo.id
            """,
            p,
        )


def _check() -> tuple[int, int]:
    """(planted groups found with exactly their members, groups that are not a planted one)."""
    expected = {signal: list(positions) for signal, positions in PLANTED.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT g.signal, min(x.place / %(block)s) = max(x.place / %(block)s), min(x.place / %(block)s),
                   array_agg(x.place %% %(block)s ORDER BY x.place)
            FROM applicants_duplicategroup AS g
            JOIN applicants_duplicatemember AS m ON m.group_id = g.id
            JOIN bench_place AS x ON x.id = m.applicant_id
            GROUP BY g.id, g.signal
            """,
            {"block": BLOCK},
        )
        found = false = 0
        for signal, one_block, block, positions in cursor.fetchall():
            want = expected[signal] if signal != "phone" or block % 4 == 0 else expected[signal][:2]
            if one_block and positions == want:
                found += 1
            else:
                false += 1
    return found, false


def test_duplicate_pass_over_a_million_applicants(report) -> None:
    started = time.perf_counter()
    _build()
    built = time.perf_counter() - started
    actor = Actor.system("bench")

    cpu = time.process_time()
    started = time.perf_counter()
    result = duplicates_scan(actor=actor, trigger="bench")
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu

    found, false = _check()
    planted = BLOCKS * len(PLANTED)

    started = time.perf_counter()
    again = duplicates_scan(actor=actor, trigger="bench again")
    second = time.perf_counter() - started

    assert found == planted, (found, planted)
    assert false == 0
    assert sum(f["new"] for f in again.figures.values()) == 0
    assert DuplicateGroup.objects.count() == planted
    report(
        "duplicates_scan",
        seconds,
        "s",
        applicants=APPLICANTS,
        planted_groups=planted,
        found=found,
        false_groups=false,
        per_signal={s: f["groups"] for s, f in result.figures.items()},
        stage_s=result.seconds,
        second_pass_s=round(second, 1),
        client_cpu_s=round(client_cpu, 2),
        build_s=round(built, 1),
    )
