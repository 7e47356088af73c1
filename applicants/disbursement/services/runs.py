"""Disbursement runs: made daily from the due instalments (a payout each), held for a second
approver above the policy threshold, approved or rejected (see the package docstring for the money rules)."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.disbursement.errors import DisbursementError
from applicants.disbursement.lifecycle import payout_sources, states
from applicants.disbursement.models import OPEN_PAYOUT_STATUSES, PayoutStatus
from applicants.disbursement.services.answers import payout_system_accounts
from applicants.disbursement.services.registry_check import (
    payouts_cancel_held,
    registry_check_run_create,
    registry_check_run_send,
)
from applicants.disbursement.services.sending import run_finish_if_sent, run_queue_sending, run_start_sending
from applicants.duplicates.services.payouts import duplicates_before_payout
from applicants.holds.selectors import not_held_sql
from applicants.incentives.services.entitlements import instalments_make_due
from applicants.models import (
    DisbursementRun,
    Payout,
    PayoutPolicy,
    RunStatus,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.db import LockBusy, exclusive_lock
from prakerja.ledger.services import BulkPosting, Line, postings_create_bulk

# Who starts a run nobody in particular started (the daily task, the command, the sweeper).
DISBURSEMENT = Actor.system("disbursement")

CREATE_CHUNK = 100_000
RUN_LOCK = 0x50524B4A_01  # advisory lock (transaction-scoped, prakerja.core.db): one run being prepared at a time


def approval_threshold() -> int | None:
    policy = PayoutPolicy.objects.order_by("pk").first()
    return policy.approval_threshold if policy else None


# A payout in one of these states stands for its instalment: no second one is made.
_LIVE = states(OPEN_PAYOUT_STATUSES)

_CANDIDATES = """
    FROM applicants_instalment AS i
    JOIN applicants_card AS c ON c.id = i.card_id
    JOIN applicants_entitlement AS e ON e.card_id = i.card_id
    JOIN applicants_payoutaccount AS a ON a.applicant_id = c.applicant_id AND a.status = 'active'
    WHERE i.status = 'payable' AND i.held_reason = '' AND i.id > %(after)s
      AND {not_held}
      AND NOT EXISTS (
        SELECT 1 FROM applicants_payout AS p
        WHERE p.instalment_id = i.id AND p.status = ANY(%(live)s)
      )
""".replace("{not_held}", not_held_sql("c.applicant_id"))


# Two statements, not one INSERT ... SELECT: within one statement the anti-join would scan the
# payout table while the same statement fills it, and with an empty table's statistics the
# planner picks a sequential scan per candidate (a 100,000-row chunk took 74 s instead of 1.5 s).
_PICK = """
    CREATE TEMP TABLE payout_candidates ON COMMIT DROP AS
    SELECT i.id AS instalment_id, i.amount, e.account_id, a.id AS payout_account_id, a.channel, a.account_number
    {candidates}
    ORDER BY i.id
    LIMIT %(chunk)s
""".replace("{candidates}", _CANDIDATES)


_CREATE = """
    INSERT INTO applicants_payout (
        run_id, instalment_id, payout_account_id, channel, account_number, amount, account_id,
        status, response_code, failure_reason, created_at, updated_at
    )
    SELECT %(run)s, instalment_id, payout_account_id, channel, account_number, amount, account_id,
           %(status)s, '', '', now(), now()
    FROM payout_candidates
    ORDER BY instalment_id
    ON CONFLICT DO NOTHING
    RETURNING id, instalment_id, amount, account_id
"""


def disbursement_run_create(*, day: dt.date | None = None, actor: Actor = DISBURSEMENT) -> DisbursementRun | None:
    """Make due what fell due, then one payout per payable instalment (with an account in use
    and no hold), its money moved payable -> in flight. A run above the PMO's threshold waits
    for a second finance user; otherwise sending starts. None when nothing is due.

    A run interrupted while being prepared is resumed by the next call."""
    day = day or timezone.localdate()
    instalments_make_due(today=day)
    duplicates_before_payout(actor=actor)  # suspected duplicates held before anyone is picked
    try:
        with exclusive_lock(RUN_LOCK):
            run = DisbursementRun.objects.filter(status=RunStatus.PREPARING).order_by("pk").first()
            if run is None:
                run = DisbursementRun.objects.create(
                    day=day, created_by=actor.user, approval_threshold=approval_threshold()
                )
            return _prepare(run, actor=actor)
    except LockBusy:
        raise DisbursementError(_("Another disbursement run is being prepared. Try again in a minute.")) from None


def _prepare(run: DisbursementRun, *, actor: Actor, chunk: int = CREATE_CHUNK) -> DisbursementRun | None:
    """Create the run's payouts in committed chunks. When the run will not need approval (its
    total is known up front), each chunk is queued for sending as soon as it commits, so the
    workers send while the rest is still being prepared.

    First, everyone the run would pay is checked against the registries in use now; hits are
    held, so the candidates below leave them out."""
    registry_check_run_create(
        run_id=run.pk,
        candidates_sql=_CANDIDATES,
        candidate_params={"after": 0, "live": _LIVE},
        actor=actor,
    )
    in_flight, _settled = payout_system_accounts()
    needs_approval = False
    if run.approval_threshold is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(i.amount), 0) " + _CANDIDATES, {"after": 0, "live": _LIVE})
            upcoming = int(cursor.fetchone()[0])
        already = Payout.objects.filter(run=run).aggregate(total=Sum("amount"))["total"] or 0
        needs_approval = upcoming + already > run.approval_threshold
    if not needs_approval:
        DisbursementRun.objects.filter(pk=run.pk, submitted_at=None).update(submitted_at=timezone.now())
    after = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS payout_candidates")  # an enclosing transaction's
            cursor.execute(_PICK, {"after": after, "chunk": chunk, "live": _LIVE})
            cursor.execute(_CREATE, {"run": run.pk, "status": str(PayoutStatus.CREATED)})
            rows = cursor.fetchall()
            if not rows:
                break
            postings_create_bulk(
                kind="payout.submit",
                postings=(
                    BulkPosting(
                        idempotency_key=f"payout:{pk}",
                        lines=(Line(account_id=account, amount=-amount), Line(account_id=in_flight, amount=amount)),
                    )
                    for pk, _instalment, amount, account in rows
                ),
            )
            after = max(row[1] for row in rows)
            if not needs_approval:
                run_queue_sending(run.pk, sorted(row[0] for row in rows))
    totals = Payout.objects.filter(run=run).aggregate(count=Count("pk"), total=Sum("amount"))
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run.pk)
        if not totals["count"]:
            run.delete()
            return None
        run.payout_count, run.total_amount = totals["count"], totals["total"]
        run.status = RunStatus.AWAITING_APPROVAL if needs_approval else RunStatus.SUBMITTING
        run.save(update_fields=["payout_count", "total_amount", "status"])
        audit_record(
            actor=actor,
            action="disbursement.run_created",
            target=run,
            payload={"payouts": run.payout_count, "total": run.total_amount, "needs_approval": needs_approval},
        )
    if not needs_approval:
        run_finish_if_sent(run.pk)
    return run


def disbursement_run_approve(*, run_id: int, actor: Actor) -> DisbursementRun:
    """The checker: a second finance user, never the one who started the run."""
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.AWAITING_APPROVAL:
            raise DisbursementError(_("This run is not waiting for approval."))
        if run.created_by_id == actor.person.pk:
            raise DisbursementError(
                _("A run must be approved by a different finance user than the one who started it.")
            )
        run.approved_by, run.approved_at = actor.person, timezone.now()
        run.status = RunStatus.SUBMITTING
        run.save(update_fields=["approved_by", "approved_at", "status"])
        audit_record(actor=actor, action="disbursement.run_approved", target=run)
        # The run may have waited for days: lists imported meanwhile are checked, and whoever
        # is held by now is left out of what is sent.
        registry_check_run_send(run_id=run.pk, actor=actor)
        payouts_cancel_held(run_id=run.pk)
        run.refresh_from_db(fields=["registry_imports_checked", "registry_hits"])
        run_start_sending(run)
        run_finish_if_sent(run.pk)  # every payout cancelled: nothing left to send
    return run


def disbursement_run_reject(*, run_id: int, actor: Actor, reason: str) -> DisbursementRun:
    """Cancel a run waiting for approval: nothing was sent, the money goes back to payable."""
    if not reason.strip():
        raise DisbursementError(_("Write the reason for rejecting the run."))
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.AWAITING_APPROVAL:
            raise DisbursementError(_("This run is not waiting for approval."))
        in_flight, _settled = payout_system_accounts()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE applicants_payout SET status = %s, failure_reason = %s, updated_at = now() "
                "WHERE run_id = %s AND status = ANY(%s) RETURNING id, amount, account_id",
                [str(PayoutStatus.CANCELLED), reason.strip()[:200], run.pk, payout_sources(PayoutStatus.CANCELLED)],
            )
            rows = cursor.fetchall()
        postings_create_bulk(
            kind="payout.cancel",
            postings=(
                BulkPosting(f"payout-cancelled:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                for pk, amount, account in rows
            ),
        )
        run.status = RunStatus.REJECTED
        run.save(update_fields=["status"])
        audit_record(actor=actor, action="disbursement.run_rejected", target=run, payload={"reason": reason})
    return run
