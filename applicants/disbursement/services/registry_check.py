"""The registries checked again before money leaves: every participant a run would pay is
matched, set-based, against every list in use at that moment (all kinds that exclude, the
blacklist included; the wage list only above the card's scheme's threshold, social aid only
where that scheme excludes it). A hit is held (`HoldKind.REGISTRY`, source `registry:<import
id>`, the list and its version as the reason) for a verifier to review in the Holds queue;
the participant is paid only after the hold is released.

Where it runs:
- when a run is prepared, before any payout is made (`registry_check_run_create`);
- when a run's payouts are about to be sent (approval of a run that waited, and the first claim
  of each chunk): lists that finished importing since the run was checked are checked then
  (`registry_check_run_send`), and a payout whose participant is held by then is cancelled
  (its money back to the payable) instead of sent. The instalment stays payable and goes out in
  a later run once the hold is released.

A hold released by a verifier answers for that import: the same import never holds the person
again; a new version of the list is a new claim and is checked afresh."""

from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from applicants.disbursement.services.answers import payout_system_accounts
from applicants.holds.models import HoldKind
from applicants.holds.services import holds_place
from applicants.models import (
    EXCLUDING_REGISTRY_KINDS,
    DisbursementRun,
    PayoutStatus,
    RegistryImport,
    RegistryKind,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.ledger.services import BulkPosting, Line, postings_create_bulk

HOLD_SOURCE_PREFIX = "registry:"

# Driven from the lists, not from the run: the people on the lists in use who have an account
# here are a few tens of thousands, the run a million. Each is then asked whether the run would
# pay them (`{paid}`, a condition on `l.applicant_id` using indexes per person), and the rules
# of their card's scheme applied (a wage above its threshold, social aid only where it excludes
# it). Starting from the run (a million rows joined to applicants and entries) took two minutes
# on the benchmark machine instead of seconds. `OFFSET 0` keeps each EXISTS a per-person probe:
# without it PostgreSQL may turn it into a hashed subplan that computes the whole run first.
# `{paid}` comes from this package's constants.
_HITS = """
    CREATE TEMP TABLE registry_hits ON COMMIT DROP AS
    WITH listed AS MATERIALIZED (
        SELECT a.id AS applicant_id, e.registry_import_id AS import_id, e.amount, ri.kind
        FROM applicants_registryentry AS e
        JOIN applicants_registryimport AS ri ON ri.id = e.registry_import_id
        JOIN applicants_applicant AS a ON a.nik_index = e.nik_index
        WHERE e.registry_import_id = ANY(%(imports)s::bigint[])
    )
    SELECT DISTINCT l.applicant_id, l.import_id
    FROM listed AS l
    JOIN applicants_card AS card ON card.applicant_id = l.applicant_id
    JOIN applicants_scheme AS s ON s.id = card.scheme_id
    WHERE (l.kind <> 'social_aid' OR s.exclude_social_aid)
      AND (l.kind <> 'wage_earner' OR l.amount > s.wage_threshold)
      AND NOT EXISTS (
        SELECT 1 FROM applicants_hold AS h
        WHERE h.applicant_id = l.applicant_id AND h.kind = 'registry'
          AND h.source = 'registry:' || l.import_id::text
      )
      AND ({paid})
"""

# Paid by the run's unsent payouts.
RUN_PAYS = """EXISTS (
    SELECT 1 FROM applicants_card AS rc
    JOIN applicants_instalment AS ri ON ri.card_id = rc.id
    JOIN applicants_payout AS po ON po.instalment_id = ri.id
    WHERE rc.applicant_id = l.applicant_id AND po.run_id = %(run)s AND po.status = 'created'
    OFFSET 0
)"""


def registry_imports_in_use() -> dict[int, RegistryImport]:
    """The finished lists in use of every kind that excludes, by id."""
    return {
        ri.pk: ri
        for ri in RegistryImport.objects.filter(is_current=True, kind__in=sorted(EXCLUDING_REGISTRY_KINDS)).only(
            "pk", "kind", "source", "version"
        )
    }


def registry_hold_reason(registry_import: RegistryImport) -> str:
    """What verifiers read: the list, its source and version; never an identifier."""
    return _("Registry hit before payout: %(list)s, %(source)s version %(version)s") % {
        "list": RegistryKind(registry_import.kind).label,
        "source": registry_import.source,
        "version": registry_import.version,
    }


def _check(*, paid_sql: str, params: dict[str, Any], imports: dict[int, RegistryImport], actor: Actor) -> Counter[int]:
    """Hold every person found on one of `imports` whom `paid_sql` says the run pays; per import,
    how many were newly held. Runs inside the caller's transaction (the temporary table lives in it)."""
    held: Counter[int] = Counter()
    if not imports:
        return held
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS registry_hits")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        cursor.execute(_HITS.replace("{paid}", paid_sql), params | {"imports": sorted(imports)})
        cursor.execute("SELECT import_id, count(*) FROM registry_hits GROUP BY import_id ORDER BY import_id")
        found = cursor.fetchall()
    for import_id, _count in found:
        placed = holds_place(
            kind=HoldKind.REGISTRY,
            source=f"{HOLD_SOURCE_PREFIX}{import_id}",
            reason=registry_hold_reason(imports[import_id]),
            actor=actor,
            select_sql="SELECT applicant_id FROM registry_hits WHERE import_id = %(import)s",
            params={"import": import_id},
        )
        held[import_id] = len(placed)
    return held


def _record(run: DisbursementRun, *, checked: list[int], held: Counter[int], stage: str, actor: Actor) -> None:
    run.registry_imports_checked = sorted(set(run.registry_imports_checked) | set(checked))
    run.registry_hits += sum(held.values())
    run.save(update_fields=["registry_imports_checked", "registry_hits"])
    audit_record(
        actor=actor,
        action="disbursement.registry_checked",
        target=run,
        payload={"stage": stage, "imports": sorted(checked), "held": {str(k): v for k, v in sorted(held.items())}},
    )


@transaction.atomic
def registry_check_run_create(
    *, run_id: int, candidates_sql: str, candidate_params: dict[str, Any], actor: Actor
) -> int:
    """Before a run makes payouts: check who it would pay (`candidates_sql`, a FROM ... WHERE of
    its candidate instalments with the card as `c`, and the participants of payouts it made
    already if it is being resumed) against every list in use. Returns how many were newly held."""
    run = DisbursementRun.objects.select_for_update().get(pk=run_id)
    imports = registry_imports_in_use()
    paid = f"EXISTS (SELECT 1 {candidates_sql} AND c.applicant_id = l.applicant_id OFFSET 0) OR {RUN_PAYS}"
    held = _check(paid_sql=paid, params=candidate_params | {"run": run.pk}, imports=imports, actor=actor)
    _record(run, checked=list(imports), held=held, stage="create", actor=actor)
    return sum(held.values())


def registry_check_run_send(*, run_id: int, actor: Actor) -> int:
    """Before a run's payouts go out: lists imported since the run was checked are checked
    against the participants of its unsent payouts. Cheap when nothing new was imported (two
    small queries), so every chunk may call it. Returns how many were newly held."""
    imports = registry_imports_in_use()
    checked = DisbursementRun.objects.filter(pk=run_id).values_list("registry_imports_checked", flat=True).first()
    if checked is None or set(imports) <= set(checked):
        return 0
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run_id)
        new = {pk: ri for pk, ri in imports.items() if pk not in set(run.registry_imports_checked)}
        if not new:  # another chunk's worker checked them meanwhile
            return 0
        held = _check(paid_sql=RUN_PAYS, params={"run": run.pk}, imports=new, actor=actor)
        _record(run, checked=list(new), held=held, stage="send", actor=actor)
    return sum(held.values())


_CANCEL_HELD = """
    UPDATE applicants_payout AS po SET status = %(cancelled)s, failure_reason = %(why)s, updated_at = now()
    FROM applicants_instalment AS i, applicants_card AS c
    WHERE po.run_id = %(run)s AND po.status = %(created)s AND po.id BETWEEN %(first)s AND %(last)s
      AND i.id = po.instalment_id AND c.id = i.card_id
      AND EXISTS (SELECT 1 FROM applicants_hold AS h WHERE h.applicant_id = c.applicant_id AND h.released_at IS NULL)
    RETURNING po.id, po.amount, po.account_id
"""


def payouts_cancel_held(*, run_id: int, first_id: int = 0, last_id: int = 2**62) -> int:
    """Cancel a run's unsent payouts (in an id range) whose participant is held now, their money
    back payable -> in flight reversed; the instalment is paid by a later run once released.
    Only for payouts nobody has handed to the provider yet (a chunk's first claim, an approval)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _CANCEL_HELD,
            {
                "run": run_id,
                "first": first_id,
                "last": last_id,
                "created": str(PayoutStatus.CREATED),
                "cancelled": str(PayoutStatus.CANCELLED),
                "why": "held for review before payout",
            },
        )
        rows = cursor.fetchall()
        if rows:
            in_flight, _settled = payout_system_accounts()
            postings_create_bulk(
                kind="payout.cancel",
                postings=(
                    BulkPosting(f"payout-cancelled:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                    for pk, amount, account in rows
                ),
            )
    return len(rows)
