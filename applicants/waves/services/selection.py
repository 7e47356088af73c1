"""A wave's selection: eligibility against every registry, priority lists, a seeded lottery,
province and national quotas; then cards and their training balances.

The decisions come from one set-based SQL statement over the whole wave (no per-member Python),
written in one transaction. Cards are then issued in chunks, each chunk's cards, ledger
accounts and balance postings committed together, so a card never exists without its balance.
Every stage can be killed and run again: decisions are keyed by member, cards by decision and
applicant (once per lifetime), postings by card; what exists is skipped.

The lottery draw of a member is the first 64 bits of md5("<seed>:<applicant id>"): anyone
holding the seed and the published rules can recompute every rank.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.duplicates.services.scan import DuplicateScanBusy, duplicates_scan
from applicants.models import (
    Card,
    Decision,
    Outcome,
    Reason,
    RegistryImport,
    RegistryKind,
    Wave,
    WaveStatus,
)
from applicants.waves.services.cards import cards_issue_chunk_retrying
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.db import LockBusy, exclusive_lock
from prakerja.core.errors import DomainError
from prakerja.core.queueing import enqueue_after_commit
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import (
    account_get_or_create,
)

logger = logging.getLogger(__name__)


# Raised whenever the statement below changes meaning; recorded in every decision.
RULES_VERSION = "2026.2"  # .2: duplicates under review left pending; wage earners above the threshold, deceased


LOCK_NAMESPACE = 4101  # advisory-lock class for wave selections


# Registry lists that make a member ineligible, by the reason they give.
REGISTRY_REASONS = {
    RegistryKind.CIVIL_SERVANT: Reason.CIVIL_SERVANT,
    RegistryKind.STATE_OFFICIAL: Reason.STATE_OFFICIAL,
    RegistryKind.VILLAGE_OFFICIAL: Reason.VILLAGE_OFFICIAL,
    RegistryKind.SOE_DIRECTOR: Reason.SOE_DIRECTOR,
    RegistryKind.STUDENT: Reason.STUDENT,
    RegistryKind.SOCIAL_AID: Reason.SOCIAL_AID,  # only where the scheme excludes it
    RegistryKind.WAGE_EARNER: Reason.WAGE_EARNER,  # only above the scheme's monthly threshold
    RegistryKind.DECEASED: Reason.DECEASED,
    RegistryKind.BLACKLIST: Reason.BLACKLISTED,
    RegistryKind.PRIOR_RECIPIENT: Reason.PRIOR_RECIPIENT,
}


_DECISIONS_SQL = """
WITH reg AS (
    SELECT e.nik_index, array_agg(i.kind) AS kinds
    FROM applicants_registryentry AS e
    JOIN applicants_registryimport AS i ON i.id = e.registry_import_id AND i.is_current
    -- A wage row counts only above the scheme's monthly threshold (none: never).
    WHERE i.kind <> 'wage_earner' OR e.amount > %(wage_threshold)s::bigint
    GROUP BY e.nik_index
), earlier_family AS (
    SELECT a.kk_index, count(*) AS cards
    FROM applicants_card AS c JOIN applicants_applicant AS a ON a.id = c.applicant_id
    WHERE c.wave_id <> %(wave)s AND a.kk_index IS NOT NULL
    GROUP BY a.kk_index
), base AS (
    SELECT
        m.id AS member_id,
        m.applicant_id,
        m.province_id COLLATE "C" AS province_id,
        coalesce(a.kk_index, 'member:' || m.id) COLLATE "C" AS family,
        coalesce(f.cards, 0) AS family_earlier,
        array_remove(ARRAY[
            CASE WHEN a.nik_birth_date IS NULL
                   OR a.nik_birth_date > %(born_by)s
                   OR (%(born_after)s::date IS NOT NULL AND a.nik_birth_date <= %(born_after)s::date)
                 THEN 'age' END,
            CASE WHEN a.review_status IN ('pending', 'rejected') THEN 'identity_review' END,
            CASE WHEN a.identity_verified_at IS NULL THEN 'identity_unverified' END,
            CASE WHEN 'civil_servant' = ANY(r.kinds) THEN 'civil_servant' END,
            CASE WHEN 'state_official' = ANY(r.kinds) THEN 'state_official' END,
            CASE WHEN 'village_official' = ANY(r.kinds) THEN 'village_official' END,
            CASE WHEN 'soe_director' = ANY(r.kinds) THEN 'soe_director' END,
            CASE WHEN 'student' = ANY(r.kinds) THEN 'student' END,
            CASE WHEN %(exclude_social_aid)s AND 'social_aid' = ANY(r.kinds) THEN 'social_aid' END,
            CASE WHEN 'wage_earner' = ANY(r.kinds) THEN 'wage_earner' END,
            CASE WHEN 'deceased' = ANY(r.kinds) THEN 'deceased' END,
            CASE WHEN 'blacklist' = ANY(r.kinds) OR bl.id IS NOT NULL THEN 'blacklisted' END,
            -- blocked after joining the wave (applicants.appeals): out until an appeal is upheld
            CASE WHEN m.applicant_id IN (
                SELECT b.applicant_id FROM applicants_block AS b WHERE b.status = 'active'
            ) THEN 'blocked' END,
            CASE WHEN 'prior_recipient' = ANY(r.kinds) OR c.id IS NOT NULL THEN 'prior_recipient' END,
            -- a suspected duplicate under review (applicants.duplicates): left pending, below
            CASE WHEN m.applicant_id IN (
                SELECT dm.applicant_id FROM applicants_duplicatemember AS dm
                JOIN applicants_duplicategroup AS dg ON dg.id = dm.group_id AND dg.status = 'open'
            ) THEN 'duplicate_review' END
        ]::text[], NULL) AS reasons,
        coalesce('priority' = ANY(r.kinds), false) AS priority,
        ('x' || left(md5(%(seed)s::text || ':' || m.applicant_id::text), 16))::bit(64)::bigint AS draw
    FROM applicants_wavemember AS m
    JOIN applicants_applicant AS a ON a.id = m.applicant_id
    LEFT JOIN reg AS r ON r.nik_index = a.nik_index
    LEFT JOIN applicants_blacklisting AS bl ON bl.nik_index = a.nik_index
    LEFT JOIN applicants_card AS c ON c.applicant_id = m.applicant_id AND c.wave_id <> %(wave)s
    LEFT JOIN earlier_family AS f ON f.kk_index = a.kk_index
    WHERE m.wave_id = %(wave)s
), crowded AS (
    -- Family cards whose eligible members here and earlier recipients exceed the limit. Only
    -- their members need ranking: almost every card has a single member in a wave.
    SELECT family FROM base WHERE cardinality(reasons) = 0
    GROUP BY family HAVING count(*) + max(family_earlier) > %(family_limit)s
), family_ranked AS (
    SELECT b.member_id, b.family_earlier,
        row_number() OVER (PARTITION BY b.family ORDER BY b.priority DESC, b.draw, b.applicant_id) AS position
    FROM base AS b JOIN crowded AS c ON c.family = b.family
    WHERE cardinality(b.reasons) = 0
), family AS (
    -- Within a family card, eligible members take the remaining places in lottery order.
    SELECT b.*,
        CASE WHEN fr.position > %(family_limit)s - fr.family_earlier
             THEN b.reasons || 'family_card_limit'::text
             ELSE b.reasons END AS all_reasons
    FROM base AS b LEFT JOIN family_ranked AS fr ON fr.member_id = b.member_id
), province_ranked AS (
    SELECT fa.*,
        CASE WHEN cardinality(fa.all_reasons) = 0 THEN row_number() OVER (
            PARTITION BY fa.province_id, cardinality(fa.all_reasons) = 0
            ORDER BY fa.priority DESC, fa.draw, fa.applicant_id
        ) END AS province_rank,
        q.quota AS province_quota
    FROM family AS fa
    LEFT JOIN applicants_waveprovincequota AS q ON q.wave_id = %(wave)s AND q.province_id = fa.province_id
), ranked AS (
    SELECT pr.*,
        CASE WHEN cardinality(pr.all_reasons) = 0 AND pr.province_rank <= coalesce(pr.province_quota, 2147483647)
             THEN row_number() OVER (
                 PARTITION BY cardinality(pr.all_reasons) = 0
                              AND pr.province_rank <= coalesce(pr.province_quota, 2147483647)
                 ORDER BY pr.priority DESC, pr.draw, pr.applicant_id
             ) END AS national_rank
    FROM province_ranked AS pr
)
SELECT
    member_id,
    CASE WHEN all_reasons = ARRAY['duplicate_review']::text[] THEN 'pending'
         WHEN cardinality(all_reasons) > 0 THEN 'ineligible'
         WHEN national_rank IS NULL OR national_rank > %(national_quota)s THEN 'not_selected'
         ELSE 'selected' END AS outcome,
    CASE WHEN all_reasons = ARRAY['duplicate_review']::text[] THEN all_reasons
         WHEN cardinality(all_reasons) > 0 THEN array_remove(all_reasons, 'duplicate_review')
         ELSE array_remove(ARRAY[
             CASE WHEN priority THEN 'priority' END,
             CASE WHEN national_rank IS NULL THEN 'province_quota'
                  WHEN national_rank > %(national_quota)s THEN 'national_quota' END
         ]::text[], NULL) END AS reasons,
    province_rank,
    national_rank
FROM ranked
"""


# Both parts are constants of this module: nothing from outside reaches the text.
# The decisions are computed into a temporary table first: CREATE TABLE AS may use parallel
# workers for the scans and joins, INSERT ... SELECT may not (it is twice as slow here). The
# insert is plain, not ON CONFLICT: it runs once per wave under the wave's row lock (decided_at
# is set in the same transaction), so a second one would be a bug and fails on the primary key.
_STAGE_DECISIONS_SQL = "\n".join(("CREATE TEMP TABLE selection_stage ON COMMIT DROP AS", _DECISIONS_SQL))


_INSERT_DECISIONS_SQL = """
    INSERT INTO applicants_decision (
        member_id, wave_id, outcome, reasons, province_rank, national_rank,
        scheme_id, scheme_version, rules_version, seed, decided_at
    )
    SELECT d.member_id, %(wave)s, d.outcome, d.reasons, d.province_rank, d.national_rank,
           %(scheme)s, %(scheme_version)s, %(rules_version)s, %(seed)s, now()
    FROM selection_stage AS d
    ORDER BY d.member_id
"""


@dataclass(frozen=True)
class DecisionRow:
    member_id: int
    outcome: str
    reasons: list[str]
    province_rank: int | None
    national_rank: int | None


class SelectionError(DomainError):
    """The selection of a wave cannot start (or go on) in its state."""


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _parameters(wave: Wave, seed: int) -> dict[str, Any]:
    scheme = wave.scheme
    # Age is counted on the day the wave closes, Jakarta time.
    reference = timezone.localtime(wave.closes_at).date()
    return {
        "wave": wave.pk,
        "seed": seed,
        "born_by": _years_before(reference, scheme.min_age),
        "born_after": _years_before(reference, scheme.max_age + 1) if scheme.max_age is not None else None,
        "exclude_social_aid": scheme.exclude_social_aid,
        "wage_threshold": scheme.wage_threshold,
        "family_limit": scheme.max_recipients_per_family_card,
        "national_quota": wave.national_quota,
    }


def _tune(cursor: Any) -> None:
    # Sorts of a million rows in memory; no JIT, which spends seconds compiling this statement
    # to save less than that.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL jit = off")


def selection_compute(*, wave: Wave, seed: int) -> list[DecisionRow]:
    """The decisions the selection would make, written nowhere (for checks and tests)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(_DECISIONS_SQL + " ORDER BY member_id", _parameters(wave, seed))
        return [DecisionRow(m, o, list(r), p, n) for m, o, r, p, n in cursor.fetchall()]


def _progress_key(wave_id: int) -> str:
    return f"wave-selection-progress:{wave_id}"


def selection_progress(wave: Wave) -> dict[str, Any]:
    """Live progress of a running selection (from the cache), else what the wave recorded."""
    return cache.get(_progress_key(wave.pk)) or wave.selection_progress or {}


def _report(wave: Wave, stage: str, **figures: Any) -> None:
    progress = {"stage": stage, **figures, "at": timezone.now().isoformat()}
    cache.set(_progress_key(wave.pk), progress, timeout=24 * 3600)
    Wave.objects.filter(pk=wave.pk).update(selection_stage=stage, selection_progress=progress)


def selection_refusal(*, wave: Wave, seed: int | None = None) -> str | None:
    """Why this wave's selection may not be (re)started now with this seed; None if it may."""
    if wave.status in (WaveStatus.DRAFT, WaveStatus.OPEN):
        return _("The wave is still open; selection starts after it closes.")
    if wave.status == WaveStatus.ANNOUNCED:
        return _("This wave has been selected and announced.")
    if wave.seed is not None and seed is not None and seed != wave.seed:
        return _("The selection already started with seed %(seed)s.") % {"seed": wave.seed}
    return None


def wave_selection_request(*, wave: Wave, seed: int | None, actor: Actor, request: HttpRequest | None = None) -> None:
    """Queue the selection (after commit) for a staff user, audited; refused as `_start` would."""
    if problem := selection_refusal(wave=wave, seed=seed):
        raise SelectionError(problem)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="wave.selection_requested",
            target=wave,
            payload={"seed": seed},
            request=request,
        )
        enqueue_after_commit("batch.wave_select", wave_id=wave.pk, seed=seed, user_id=actor.person.pk)


def _start(*, wave_id: int, seed: int | None, actor: Actor) -> Wave:
    with transaction.atomic():
        wave = Wave.objects.select_for_update().select_related("scheme").get(pk=wave_id)
        if wave.status == WaveStatus.ANNOUNCED:
            return wave  # a re-run after the end changes nothing
        if problem := selection_refusal(wave=wave, seed=seed):
            raise SelectionError(problem)
        if wave.seed is None:
            wave.seed = seed if seed is not None else secrets.randbits(62)
            wave.selection_started_at = timezone.now()
            wave.registry_versions = list(
                RegistryImport.objects.filter(is_current=True)
                .order_by("kind", "source")
                .values("id", "kind", "source", "version")
            )
            audit_record(
                actor=actor,
                action="wave.selection_started",
                target=wave,
                payload={"seed": wave.seed, "rules_version": RULES_VERSION, "registries": wave.registry_versions},
            )
        wave.status = WaveStatus.SELECTING
        wave.save(update_fields=["seed", "selection_started_at", "registry_versions", "status"])
        return wave


def _decide(wave: Wave) -> int:
    assert wave.seed is not None
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.decided_at is not None:
            return Decision.objects.filter(wave=wave).count()
        scheme = wave.scheme
        parameters = _parameters(wave, wave.seed) | {
            "scheme": scheme.pk,
            "scheme_version": scheme.version,
            "rules_version": RULES_VERSION,
        }
        with connection.cursor() as cursor:
            _tune(cursor)
            cursor.execute("DROP TABLE IF EXISTS selection_stage")
            cursor.execute(_STAGE_DECISIONS_SQL, parameters)
            cursor.execute(_INSERT_DECISIONS_SQL, parameters)
            written = cursor.rowcount
        locked.decided_at = timezone.now()
        locked.save(update_fields=["decided_at"])
    with connection.cursor() as cursor:
        # A million new rows: let the planner know before the card stage queries them.
        cursor.execute("ANALYZE applicants_decision")
    return written


def _announce(wave: Wave, actor: Actor) -> None:
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.status == WaveStatus.ANNOUNCED:
            return
        counts = dict(
            Decision.objects.filter(wave=wave)
            .values_list("outcome")
            .annotate(n=Count("pk"))
            .values_list("outcome", "n")
        )
        locked.status = WaveStatus.ANNOUNCED
        locked.announced_at = timezone.now()
        locked.save(update_fields=["status", "announced_at"])
        audit_record(actor=actor, action="wave.announced", target=locked, payload={"decisions": counts})
        # robust: with the broker down the announcement is still made; the decisions not yet
        # told are picked up by batch.wave_notify_sweep
        enqueue_after_commit("batch.wave_notify", wave_id=wave.pk)


@dataclass(frozen=True)
class SelectionResult:
    wave_id: int
    seed: int
    decided: int
    cards_issued: int


def wave_selection_run(
    *,
    wave_id: int,
    seed: int | None = None,
    actor: Actor | None = None,
    chunk_size: int | None = None,
) -> SelectionResult:
    """Select a closed wave from start to announcement, or finish an interrupted run.

    One run per wave at a time (a transaction-scoped advisory lock held on a connection of its
    own, prakerja.core.db.exclusive_lock); the stages are idempotent, so a
    second call after a crash completes what the first left undone and changes nothing else."""
    actor = actor or Actor.system("wave-selection")
    chunk_size = chunk_size or settings.SELECTION_CARD_CHUNK
    if not settings.DATABASE_TRANSACTION_POOLING:
        # Should this process die, PostgreSQL stops its statement within a second instead of
        # finishing a wave-sized insert for nobody. A session setting: behind a transaction
        # pooler it would stay on a shared server connection (and the pooler, not this
        # process, holds that connection, so it could not help anyway).
        with connection.cursor() as cursor:
            cursor.execute("SET client_connection_check_interval = 1000")
    try:
        with exclusive_lock(LOCK_NAMESPACE, wave_id):
            wave = _start(wave_id=wave_id, seed=seed, actor=actor)
            assert wave.seed is not None
            if wave.status == WaveStatus.ANNOUNCED:
                return SelectionResult(wave.pk, wave.seed, 0, 0)
            if wave.decided_at is None and settings.DUPLICATES_SCAN_BEFORE_RUNS:
                _report(wave, "duplicates")
                try:
                    duplicates_scan(actor=actor, trigger=f"wave {wave.number}")
                except DuplicateScanBusy:
                    logger.info("a duplicate pass is running; wave %s uses the groups known so far", wave.number)
            _report(wave, "deciding")
            decided = _decide(wave)
            selected = Decision.objects.filter(wave=wave, outcome=Outcome.SELECTED).count()
            fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
            wave.refresh_from_db(fields=["decided_at"])
            issued_at = wave.decided_at or timezone.now()  # the same deadline for every chunk and re-run
            issued = Card.objects.filter(wave=wave).count()
            _report(wave, "issuing", cards=issued, selected=selected)
            while count := cards_issue_chunk_retrying(
                wave, chunk_size=chunk_size, fund_id=fund.pk, issued_at=issued_at
            ):
                issued += count
                _report(wave, "issuing", cards=issued, selected=selected)
            _announce(wave, actor)
            _report(wave, "announced", cards=issued, selected=selected, decided=decided)
            logger.info("wave %s selected: %s decisions, %s cards", wave.number, decided, issued)
            return SelectionResult(wave.pk, wave.seed, decided, issued)
    except LockBusy:
        raise SelectionError("This wave's selection is already running.") from None
