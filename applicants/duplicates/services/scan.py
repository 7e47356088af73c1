"""The duplicate pass: every applicant at once, in SQL (no per-applicant Python), one transaction.

Each signal writes (signal, key, hint, applicant) rows into a temporary table for the values
that two or more applicants share; the groups and members are then upserted from it:
- a group is identified by (signal, keyed hash of the shared value), so a later pass finds the
  same group again, never a second one; members are only ever added;
- a group that was cleared or confirmed and gains a new member is opened again (the newcomer
  was never reviewed), and audited.

Signals (what counts as "shared"):
- phone: the same E.164 number on two accounts;
- payout_account: the same channel and account number (digits and letters only) on accounts
  that were confirmed (in use, awaiting review, or replaced: a shared account in the past counts);
- email_alias: the same mailbox: lower-cased, "+tag" dropped on every domain, and on Gmail
  (gmail.com, googlemail.com) the dots of the local part dropped too (Gmail ignores them);
- email_series: three or more mailboxes on one domain whose local parts are one base of at
  least four characters ending in a letter, with a one- or two-digit number straight after it
  (or none), at least two of them numbered: budi.s1@, budi.s2@, budi.s3@. Numbers of three or
  more digits are too common in real addresses (years, phone endings), and a number after a
  separator (peserta.1@, kantor-2@) reads as an organisation's numbering, not a person's aliases;
- name_birth_date: the same name (lower-case letters only, spaces and punctuation dropped) and
  declared birth date under two or more different NIKs;
- ktp_photo: KTP photos whose 64-bit perceptual hashes differ in at most PHOTO_MAX_DISTANCE bits
  (found by splitting the hash into PHOTO_MAX_DISTANCE + 1 bands: two hashes that close agree on
  at least one band exactly, so only same-band pairs are compared), then joined transitively
  (label propagation over the pairs, in SQL); the group's key is its lowest applicant id.

People whose identity the retention job anonymised are left out (their data are gone).
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from applicants.duplicates.models import DuplicateScan, DuplicateSignal, ScanStatus
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import blind_index
from prakerja.core.errors import DomainError

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 4102  # advisory-lock class of the duplicate pass (4101: wave selections)
PHOTO_MAX_DISTANCE = 2
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")


class DuplicateScanBusy(DomainError):
    default_message = "A pass for suspected duplicates is already running."


def _key(signal: str, value_sql: str) -> str:
    return f"encode(sha256(convert_to(%(pepper)s || '{signal}:' || {value_sql}, 'UTF8')), 'hex')"


# A signal's values, one row per (applicant, value); `{having}` keeps the values worth a group.
# Hash aggregates only over the million rows: values seen twice first (cheap), the distinct
# counts (which sort) only over those.
_GROUPED = """
    INSERT INTO dup_found (signal, key, hint, applicant_id)
    WITH v AS MATERIALIZED ({values}),
    cand AS (SELECT value FROM v GROUP BY value HAVING count(*) > 1),
    shared AS (
        SELECT v.value, min(v.hint) AS hint
        FROM v JOIN cand ON cand.value = v.value
        GROUP BY v.value
        HAVING count(DISTINCT v.applicant_id) > 1 {having}
    )
    SELECT DISTINCT %(signal)s, {key}, s.hint, v.applicant_id
    FROM v JOIN shared AS s ON s.value = v.value
"""

_PEOPLE = "FROM applicants_applicant AS a WHERE a.anonymised_at IS NULL"

_PHONE = f"SELECT a.id AS applicant_id, a.phone AS value, '…' || right(a.phone, 4) AS hint {_PEOPLE} AND a.phone <> ''"

_ACCOUNT = """
    SELECT a.id AS applicant_id,
           p.channel || ':' || upper(regexp_replace(p.account_number, '[^0-9A-Za-z]', '', 'g')) AS value,
           p.channel || ' …' || right(p.account_number, 4) AS hint
    FROM applicants_payoutaccount AS p
    JOIN applicants_applicant AS a ON a.id = p.applicant_id AND a.anonymised_at IS NULL
    WHERE p.status IN ('active', 'awaiting_review', 'replaced') AND p.account_number NOT LIKE '*%%'
"""

_EMAIL_STAGE = """
    CREATE TEMP TABLE dup_email ON COMMIT DROP AS
    SELECT e.applicant_id, e.domain,
           CASE WHEN e.domain = 'gmail.com' THEN replace(e.local, '.', '') ELSE e.local END AS local
    FROM (
        SELECT a.id AS applicant_id,
               split_part(split_part(lower(u.email), '@', 1), '+', 1) AS local,
               CASE WHEN split_part(lower(u.email), '@', 2) = ANY(%(gmail)s) THEN 'gmail.com'
                    ELSE split_part(lower(u.email), '@', 2) END AS domain
        FROM applicants_applicant AS a JOIN accounts_user AS u ON u.id = a.user_id
        WHERE a.anonymised_at IS NULL AND u.is_active AND u.email LIKE '%%@%%'  -- not deleted accounts
    ) AS e
"""

_ALIAS = """
    SELECT applicant_id, local || '@' || domain AS value, left(local, 2) || '…@' || domain AS hint FROM dup_email
"""

_SERIES = """
    SELECT applicant_id, base || '@' || domain AS value, left(base, 2) || '…#@' || domain AS hint, local, numbered
    FROM (
        SELECT applicant_id, domain, local, local ~ '[^0-9][0-9]{1,2}$' AS numbered,
               CASE WHEN local ~ '[^0-9][0-9]{1,2}$' THEN regexp_replace(local, '[0-9]{1,2}$', '')
                    ELSE local END AS base
        FROM dup_email
    ) AS s
    WHERE length(base) >= 4 AND base ~ '[a-z]$'
"""
_SERIES_HAVING = "AND count(DISTINCT v.local) >= 3 AND count(DISTINCT v.local) FILTER (WHERE v.numbered) >= 2"

_NAME = f"""
    SELECT applicant_id, nik_index, name || '|' || born AS value, hint
    FROM (
        SELECT a.id AS applicant_id, a.nik_index, a.birth_date::text AS born,
               lower(regexp_replace(a.full_name, '[^[:alpha:]]+', '', 'g')) AS name,
               left(a.full_name, 1) || '… · ' || to_char(a.birth_date, 'YYYY') AS hint
        {_PEOPLE} AND a.nik_index IS NOT NULL AND a.birth_date IS NOT NULL
    ) AS n
    WHERE name <> ''
"""  # noqa: S608
_NAME_HAVING = "AND count(DISTINCT v.nik_index) > 1"

# Three bands of 21, 22 and 21 bits: hashes within two bits agree on one band at least.
_BANDS = ("b0", "b1", "b2")

# Every statement here is built from this module's constants only; values travel as parameters.
_PHOTO_STAGE = f"""
    CREATE TEMP TABLE dup_photo ON COMMIT DROP AS
    SELECT a.id, a.ktp_phash AS h,
           a.ktp_phash >> 43 AS b0, (a.ktp_phash >> 21) & 4194303 AS b1, a.ktp_phash & 2097151 AS b2
    {_PEOPLE} AND a.ktp_phash IS NOT NULL AND a.ktp_photo <> ''
"""
_PHOTO_PAIRS = "CREATE TEMP TABLE dup_pair ON COMMIT DROP AS " + " UNION ".join(  # noqa: S608
    f"SELECT p.id AS a, q.id AS b FROM dup_photo AS p JOIN dup_photo AS q ON p.{band} = q.{band} AND q.id > p.id "  # noqa: S608
    f"WHERE bit_count((p.h # q.h)::bit(64)) <= %(distance)s"
    for band in _BANDS
)
_PHOTO_LABELS = """
    CREATE TEMP TABLE dup_label ON COMMIT DROP AS
    SELECT n.id, n.id AS label FROM (SELECT a AS id FROM dup_pair UNION SELECT b FROM dup_pair) AS n
"""
_PHOTO_PROPAGATE = """
    UPDATE dup_label AS l SET label = m.label
    FROM (
        SELECT x.id, min(y.label) AS label
        FROM (SELECT a AS id, b AS other FROM dup_pair UNION ALL SELECT b, a FROM dup_pair) AS x
        JOIN dup_label AS y ON y.id = x.other
        GROUP BY x.id
    ) AS m
    WHERE m.id = l.id AND m.label < l.label
"""
_PHOTO_FOUND = f"""
    INSERT INTO dup_found (signal, key, hint, applicant_id)
    SELECT %(signal)s, {_key("ktp_photo", "label::text")}, 'KTP', id FROM dup_label
"""  # noqa: S608

_UPSERT_GROUPS = """
    INSERT INTO applicants_duplicategroup (
        signal, key, hint, status, member_count, found_at, last_seen_at, decision_reason
    )
    SELECT signal, key, min(hint), 'open', count(*), now(), now(), ''
    FROM dup_found GROUP BY signal, key ORDER BY signal, key
    ON CONFLICT (signal, key) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
    RETURNING id, signal, (xmax = 0) AS created
"""

_INSERT_MEMBERS = """
    WITH added AS (
        INSERT INTO applicants_duplicatemember (group_id, applicant_id, role, added_at)
        SELECT g.id, f.applicant_id, 'suspect', now()
        FROM dup_found AS f JOIN applicants_duplicategroup AS g ON g.signal = f.signal AND g.key = f.key
        ORDER BY g.id, f.applicant_id
        ON CONFLICT (group_id, applicant_id) DO NOTHING
        RETURNING group_id
    ), grown AS (
        -- the groups' rows as they were before this statement: `was` is the status before reopening
        SELECT a.group_id, count(*) AS n, g.status AS was
        FROM added AS a JOIN applicants_duplicategroup AS g ON g.id = a.group_id
        WHERE NOT (a.group_id = ANY(%(created)s))  -- a group made by this pass counted its members already
        GROUP BY a.group_id, g.status
    )
    UPDATE applicants_duplicategroup AS g
    SET member_count = g.member_count + grown.n,
        status = 'open',
        reopened_at = CASE WHEN grown.was <> 'open' THEN now() ELSE g.reopened_at END
    FROM grown
    WHERE g.id = grown.group_id
    RETURNING g.id, g.signal, grown.was <> 'open' AS reopened
"""


_DROP_STAGES = "DROP TABLE IF EXISTS dup_found, dup_email, dup_photo, dup_pair, dup_label"


@dataclass
class ScanResult:
    scan_id: int
    figures: dict[str, dict[str, int]] = field(default_factory=dict)
    reopened: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, for the benchmark and the log


_STAGES: tuple[DuplicateSignal, ...] = (
    DuplicateSignal.PHONE,
    DuplicateSignal.PAYOUT_ACCOUNT,
    DuplicateSignal.EMAIL_ALIAS,
    DuplicateSignal.EMAIL_SERIES,
    DuplicateSignal.NAME_BIRTH_DATE,
    DuplicateSignal.KTP_PHOTO,
)
STAGE_COUNT = len(_STAGES) + 1  # the signals, then writing the groups


def _progress_key(scan_id: int) -> str:
    return f"duplicate-scan-progress:{scan_id}"


def scan_progress(scan: DuplicateScan) -> dict[str, Any]:
    """Live progress of a running pass (from the cache; the pass's transaction hides its row's
    changes until it ends), else what the row recorded."""
    live = cache.get(_progress_key(scan.pk))
    if live and scan.status == ScanStatus.RUNNING:
        return dict(live)
    return {"stage": scan.stage, "done": scan.stages_done, "total": scan.stages_total}


def _report(scan_id: int, stage: str, done: int) -> None:
    cache.set(_progress_key(scan_id), {"stage": stage, "done": done, "total": STAGE_COUNT}, timeout=6 * 3600)


def _signal_rows(cursor: Any, signal: DuplicateSignal, params: dict[str, Any]) -> None:
    p = params | {"signal": str(signal)}
    if signal == DuplicateSignal.PHONE:
        cursor.execute(_GROUPED.format(key=_key(signal, "s.value"), values=_PHONE, having=""), p)
    elif signal == DuplicateSignal.PAYOUT_ACCOUNT:
        cursor.execute(_GROUPED.format(key=_key(signal, "s.value"), values=_ACCOUNT, having=""), p)
    elif signal == DuplicateSignal.EMAIL_ALIAS:
        cursor.execute(_EMAIL_STAGE, p)
        cursor.execute("ANALYZE dup_email")
        cursor.execute(_GROUPED.format(key=_key(signal, "s.value"), values=_ALIAS, having=""), p)
    elif signal == DuplicateSignal.EMAIL_SERIES:
        cursor.execute(_GROUPED.format(key=_key(signal, "s.value"), values=_SERIES, having=_SERIES_HAVING), p)
    elif signal == DuplicateSignal.NAME_BIRTH_DATE:
        cursor.execute(_GROUPED.format(key=_key(signal, "s.value"), values=_NAME, having=_NAME_HAVING), p)
    else:
        cursor.execute(_PHOTO_STAGE)
        cursor.execute("ANALYZE dup_photo")
        cursor.execute(_PHOTO_PAIRS, p)
        cursor.execute(_PHOTO_LABELS)
        while True:  # as many rounds as the longest chain of near-identical photos, usually one
            cursor.execute(_PHOTO_PROPAGATE)
            if cursor.rowcount == 0:
                break
        cursor.execute(_PHOTO_FOUND, p)


def duplicates_scan(*, actor: Actor, trigger: str = "staff", scan_id: int | None = None) -> ScanResult:
    """Find every group of suspected duplicates now (one pass at a time), audited with counts only."""
    if scan_id is None:
        scan = DuplicateScan.objects.create(trigger=trigger[:40], requested_by=actor.user, stages_total=STAGE_COUNT)
    else:
        scan = DuplicateScan.objects.get(pk=scan_id)
        if scan.status != ScanStatus.RUNNING:
            return ScanResult(scan.pk, dict(scan.figures))
    result = ScanResult(scan.pk)
    params: dict[str, Any] = {
        "pepper": blind_index("duplicate-group-key", purpose="duplicates"),
        "gmail": list(GMAIL_DOMAINS),
        "distance": PHOTO_MAX_DISTANCE,
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE])
            if not cursor.fetchone()[0]:
                raise DuplicateScanBusy()
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(_DROP_STAGES)  # an enclosing transaction's (ON COMMIT DROP waits for its end)
            cursor.execute(
                "CREATE TEMP TABLE dup_found (signal text, key text, hint text, applicant_id bigint) ON COMMIT DROP"
            )
            for done, signal in enumerate(_STAGES):
                _report(scan.pk, str(signal), done)
                began = time.perf_counter()
                _signal_rows(cursor, signal, params)
                result.seconds[str(signal)] = round(time.perf_counter() - began, 2)
            _report(scan.pk, "groups", len(_STAGES))
            began = time.perf_counter()
            cursor.execute("ANALYZE dup_found")
            cursor.execute(_UPSERT_GROUPS)
            figures = {str(s): {"groups": 0, "new": 0} for s in _STAGES}
            made = []
            for pk, signal, created in cursor.fetchall():
                figures[signal]["groups"] += 1
                figures[signal]["new"] += int(created)
                if created:
                    made.append(pk)
            cursor.execute(_INSERT_MEMBERS, {"created": made})
            result.reopened = sorted(pk for pk, _signal, reopened in cursor.fetchall() if reopened)
            result.figures = figures
            result.seconds["groups"] = round(time.perf_counter() - began, 2)
            cursor.execute(_DROP_STAGES)
            scan.status, scan.stage, scan.stages_done = ScanStatus.DONE, "done", STAGE_COUNT
            scan.figures = {**figures, "reopened": len(result.reopened)}
            scan.finished_at = timezone.now()
            scan.save(update_fields=["status", "stage", "stages_done", "figures", "finished_at"])
            audit_record(
                actor=actor,
                action="duplicates.scanned",
                target=scan,
                payload={"trigger": scan.trigger, "figures": figures, "reopened": result.reopened},
            )
    finally:
        cache.delete(_progress_key(scan.pk))
        # A pass that did not finish (busy, killed, an error) shows as failed; the next one starts afresh.
        DuplicateScan.objects.filter(pk=scan.pk, status=ScanStatus.RUNNING).update(
            status=ScanStatus.FAILED, finished_at=timezone.now()
        )
    logger.info("duplicate pass %s: %s in %s s", scan.pk, result.figures, result.seconds)
    return result
