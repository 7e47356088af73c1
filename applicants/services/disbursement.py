"""Disbursement: every due instalment paid exactly once, whatever crashes.

How "exactly once" holds:
- A payout is one transfer attempt; its id is the provider's idempotency key
  (`partnerReferenceNo`), so sending it again can never pay twice.
- A partial unique index allows one live payout (created, pending, unknown or
  succeeded) per instalment, so no run, retry or race can make a second one.
- A payout leaves the live states only on the provider's terminal "no" (failed), when the
  money came back (reversed) or when finance cancels it before sending. Timeouts and 5xx
  are "unknown", settled only by a status inquiry or a callback; a reference the provider
  never saw is resent under the same key.
- Every state change is a conditional UPDATE, and its ledger posting has a key derived from
  the payout (`payout:<id>`, `payout-settled:<id>`, ...), in the same transaction.

Money: participant incentive payable -> payouts in flight when the payout is made; in flight
-> settled on success; back to payable on failure, cancellation or reversal.
"""

import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import (
    DisbursementRun,
    Payout,
    PayoutChunk,
    PayoutPolicy,
    PayoutStatus,
    Reconciliation,
    RunStatus,
    payout_reference,
)
from applicants.services.incentives import instalments_make_due
from applicants.services.payout_notices import payouts_notify
from prakerja.accounts.models import User
from prakerja.audit.services import Actor, audit_record
from prakerja.core.db import LockBusy, exclusive_lock
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import BulkPosting, Line, account_get_or_create, postings_create_bulk
from prakerja.payments.providers import (
    Outcome,
    TransferOrder,
    TransferResult,
    failure_reason,
    payment_provider,
)

CREATE_CHUNK = 100_000
log = logging.getLogger(__name__)
RUN_LOCK = 0x50524B4A_01  # advisory lock (transaction-scoped, prakerja.core.db): one run being prepared at a time


class DisbursementError(ApplicantError):
    pass


def _system_accounts() -> tuple[int, int]:
    in_flight = account_get_or_create(kind=AccountKind.PAYOUTS_IN_FLIGHT).pk
    settled = account_get_or_create(kind=AccountKind.PAYOUTS_SETTLED).pk
    return in_flight, settled


def payout_id_of(reference: str) -> int | None:
    if reference.startswith("PKJ") and reference[3:].isascii() and reference[3:].isdigit():
        return int(reference[3:])
    return None


def approval_threshold() -> int | None:
    policy = PayoutPolicy.objects.order_by("pk").first()
    return policy.approval_threshold if policy else None


# -- creating a run ----------------------------------------------------------------------

_CANDIDATES = """
    FROM applicants_instalment AS i
    JOIN applicants_card AS c ON c.id = i.card_id
    JOIN applicants_entitlement AS e ON e.card_id = i.card_id
    JOIN applicants_payoutaccount AS a ON a.applicant_id = c.applicant_id AND a.status = 'active'
    WHERE i.status = 'payable' AND i.held_reason = '' AND i.id > %(after)s
      AND NOT EXISTS (
        SELECT 1 FROM applicants_payout AS p
        WHERE p.instalment_id = i.id AND p.status IN ('created', 'pending', 'unknown', 'succeeded')
      )
"""

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
           'created', '', '', now(), now()
    FROM payout_candidates
    ORDER BY instalment_id
    ON CONFLICT DO NOTHING
    RETURNING id, instalment_id, amount, account_id
"""


def disbursement_run_create(*, day: dt.date | None = None, user: User | None = None) -> DisbursementRun | None:
    """Make due what fell due, then one payout per payable instalment (with an account in use
    and no hold), its money moved payable -> in flight. A run above the PMO's threshold waits
    for a second finance user; otherwise sending starts. None when nothing is due.

    A run interrupted while being prepared is resumed by the next call."""
    day = day or timezone.localdate()
    instalments_make_due(today=day)
    try:
        with exclusive_lock(RUN_LOCK):
            run = DisbursementRun.objects.filter(status=RunStatus.PREPARING).order_by("pk").first()
            if run is None:
                run = DisbursementRun.objects.create(day=day, created_by=user, approval_threshold=approval_threshold())
            return _prepare(run, user=user)
    except LockBusy:
        raise DisbursementError(_("Another disbursement run is being prepared. Try again in a minute.")) from None


def _prepare(run: DisbursementRun, *, user: User | None, chunk: int = CREATE_CHUNK) -> DisbursementRun | None:
    """Create the run's payouts in committed chunks. When the run will not need approval (its
    total is known up front), each chunk is queued for sending as soon as it commits, so the
    workers send while the rest is still being prepared."""
    in_flight, _settled = _system_accounts()
    needs_approval = False
    if run.approval_threshold is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(i.amount), 0) " + _CANDIDATES, {"after": 0})
            upcoming = int(cursor.fetchone()[0])
        already = Payout.objects.filter(run=run).aggregate(total=Sum("amount"))["total"] or 0
        needs_approval = upcoming + already > run.approval_threshold
    if not needs_approval:
        DisbursementRun.objects.filter(pk=run.pk, submitted_at=None).update(submitted_at=timezone.now())
    after = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS payout_candidates")  # an enclosing transaction's
            cursor.execute(_PICK, {"after": after, "chunk": chunk})
            cursor.execute(_CREATE, {"run": run.pk})
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
                _queue_sending(run.pk, sorted(row[0] for row in rows))
    totals = Payout.objects.filter(run=run).aggregate(count=Count("pk"), total=Sum("amount"))
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run.pk)
        if not totals["count"]:
            run.delete()
            return None
        run.payout_count, run.total_amount = totals["count"], totals["total"]
        run.status = RunStatus.AWAITING_APPROVAL if needs_approval else RunStatus.SUBMITTING
        run.save(update_fields=["payout_count", "total_amount", "status"])
        actor = Actor.for_user(user) if user else Actor.system("disbursement")
        audit_record(
            actor=actor,
            action="disbursement.run_created",
            target=run,
            payload={"payouts": run.payout_count, "total": run.total_amount, "needs_approval": needs_approval},
        )
    if not needs_approval:
        _finish_if_sent(run.pk)
    return run


def disbursement_run_approve(*, run_id: int, user: User) -> DisbursementRun:
    """The checker: a second finance user, never the one who started the run."""
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.AWAITING_APPROVAL:
            raise DisbursementError(_("This run is not waiting for approval."))
        if run.created_by_id == user.pk:
            raise DisbursementError(
                _("A run must be approved by a different finance user than the one who started it.")
            )
        run.approved_by, run.approved_at = user, timezone.now()
        run.status = RunStatus.SUBMITTING
        run.save(update_fields=["approved_by", "approved_at", "status"])
        audit_record(actor=Actor.for_user(user), action="disbursement.run_approved", target=run)
        _start_sending(run)
    return run


def disbursement_run_reject(*, run_id: int, user: User, reason: str) -> DisbursementRun:
    """Cancel a run waiting for approval: nothing was sent, the money goes back to payable."""
    if not reason.strip():
        raise DisbursementError(_("Write the reason for rejecting the run."))
    with transaction.atomic():
        run = DisbursementRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.AWAITING_APPROVAL:
            raise DisbursementError(_("This run is not waiting for approval."))
        in_flight, _settled = _system_accounts()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE applicants_payout SET status = 'cancelled', failure_reason = %s, updated_at = now() "
                "WHERE run_id = %s AND status = 'created' RETURNING id, amount, account_id",
                [reason.strip()[:200], run.pk],
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
        audit_record(
            actor=Actor.for_user(user), action="disbursement.run_rejected", target=run, payload={"reason": reason}
        )
    return run


def _chunk_ranges(run_id: int, chunk: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(id), max(id) FROM (
                SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS bucket
                FROM applicants_payout WHERE run_id = %s AND status = 'created'
            ) AS numbered GROUP BY bucket ORDER BY 1
            """,
            [chunk, run_id],
        )
        return [(low, high) for low, high in cursor.fetchall()]


def _start_sending(run: DisbursementRun) -> None:
    """Queue one task per chunk of payout ids, after commit (an approved run)."""
    run.submitted_at = timezone.now()
    run.save(update_fields=["submitted_at"])
    _queue_chunks(run.pk, _chunk_ranges(run.pk, settings.PAYOUT_CHUNK))


def _queue_sending(run_id: int, ids: list[int]) -> None:
    """Queue the sending of these (sorted) payout ids in chunks, after commit."""
    size = settings.PAYOUT_CHUNK
    _queue_chunks(run_id, [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)])


def _queue_chunks(run_id: int, ranges: list[tuple[int, int]]) -> None:
    now = timezone.now()
    chunks = PayoutChunk.objects.bulk_create(
        [PayoutChunk(run_id=run_id, first_id=low, last_id=high, queued_at=now) for low, high in ranges]
    )
    for chunk in chunks:
        _queue_chunk(chunk.pk)


def _queue_chunk(chunk_id: int) -> None:
    from applicants.tasks import payout_chunk_submit_task

    transaction.on_commit(partial(payout_chunk_submit_task.delay, chunk_id=chunk_id))


# -- sending -----------------------------------------------------------------------------


def payout_chunk_submit(*, chunk_id: int) -> Counter[str]:
    """Send one chunk. The chunk is claimed with a conditional update; a chunk claimed before
    (its worker died, or went silent past PAYOUT_STALE_AFTER_S) may have been sent in part, so
    its unanswered payouts are asked about first, and only what the provider never received is
    sent again, under the same references."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE applicants_payoutchunk SET claimed_at = now(), attempts = attempts + 1
            WHERE id = %s AND finished_at IS NULL
              AND (claimed_at IS NULL OR claimed_at <= now() - %s * interval '1 second')
            RETURNING run_id, first_id, last_id, attempts
            """,
            [chunk_id, settings.PAYOUT_STALE_AFTER_S],
        )
        claim = cursor.fetchone()
        if claim is None:  # finished, or another worker has it
            return Counter()
        run_id, first_id, last_id, attempts = claim
        cursor.execute(
            "SELECT id, channel, account_number, amount FROM applicants_payout "
            "WHERE run_id = %s AND id BETWEEN %s AND %s AND status = 'created' ORDER BY id",
            [run_id, first_id, last_id],
        )
        unanswered = cursor.fetchall()
    claimed_at = time.perf_counter()
    orders = [_order(pk, channel, number, amount) for pk, channel, number, amount in unanswered]
    # A chunk claimed before may have been sent in part: ask first.
    results: list[TransferResult] = []
    if attempts > 1:
        results = _ask_then_send(orders)
    elif orders:
        results = payment_provider().transfer_many(orders)
    sent_at = time.perf_counter()
    counts = payouts_apply(results)
    PayoutChunk.objects.filter(pk=chunk_id).update(finished_at=timezone.now())
    _finish_if_sent(run_id)
    log.info(
        "run %s payouts %s-%s (attempt %s): %s unanswered, claimed in %.0f ms, provider %.0f ms, applied %.0f ms: %s",
        run_id,
        first_id,
        last_id,
        attempts,
        len(unanswered),
        (claimed_at - started) * 1000,
        (sent_at - claimed_at) * 1000,
        (time.perf_counter() - sent_at) * 1000,
        dict(counts),
    )
    return counts


def run_send_here(*, run_id: int) -> Counter[str]:
    """Send a run's unfinished chunks in this process (commands, demo data, tests)."""
    counts: Counter[str] = Counter()
    for chunk_id in (
        PayoutChunk.objects.filter(run_id=run_id, finished_at=None).order_by("first_id").values_list("pk", flat=True)
    ):
        counts.update(payout_chunk_submit(chunk_id=chunk_id))
    return counts


def _order(pk: int, channel: str, number: str, amount: int) -> TransferOrder:
    return TransferOrder(reference=payout_reference(pk), channel=channel, account_number=number, amount=amount)


def _ask_then_send(orders: list[TransferOrder], *, resendable: set[int] | None = None) -> list[TransferResult]:
    """The one rule for payouts whose fate is unknown: ask the provider, and send again (under
    the same reference, never a new one) only what it never received. `resendable` limits
    which payout ids may be sent again (default: all)."""
    if not orders:
        return []
    provider = payment_provider()
    by_reference = {order.reference: order for order in orders}
    results: list[TransferResult] = []
    again: list[TransferOrder] = []
    for result in provider.status_many(list(by_reference.values())):
        if result.outcome != Outcome.NOT_FOUND:
            results.append(result)
        elif resendable is None or payout_id_of(result.reference) in resendable:
            again.append(by_reference[result.reference])
    if again:
        results.extend(provider.transfer_many(again))
    return results


def _finish_if_sent(run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE applicants_disbursementrun SET status = 'submitted', finished_at = now()
            WHERE id = %s AND status = 'submitting' AND NOT EXISTS (
                SELECT 1 FROM applicants_payoutchunk WHERE run_id = %s AND finished_at IS NULL
            )
            """,
            [run_id, run_id],
        )


@dataclass(frozen=True)
class _Rows:
    ids: list[int]
    codes: list[str]


def _group(results: Iterable[TransferResult]) -> dict[Outcome, _Rows]:
    grouped: dict[Outcome, _Rows] = {}
    for result in results:
        pk = payout_id_of(result.reference)
        if pk is None:
            continue
        rows = grouped.setdefault(result.outcome, _Rows([], []))
        rows.ids.append(pk)
        rows.codes.append(result.code[:7])
    return grouped


def _update(sql: str, rows: _Rows) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows.ids, rows.codes])
        return cursor.fetchall()


_SET = """
    UPDATE applicants_payout AS p SET {assign}, response_code = r.code, updated_at = now()
    FROM unnest(%s::bigint[], %s::text[]) AS r(id, code)
    WHERE p.id = r.id AND p.status IN ({allowed})
    RETURNING p.id, p.amount, p.account_id, p.instalment_id, r.code
"""


def payouts_apply(results: Iterable[TransferResult]) -> Counter[str]:
    """Apply provider answers (responses, status inquiries, callbacks) in one transaction.
    Each change is conditional on the payout's state, so duplicates, late and out-of-order
    answers change nothing they should not."""
    grouped = _group(results)
    counts: Counter[str] = Counter()
    if not grouped:
        return counts
    in_flight, settled = _system_accounts()
    notify_failed: list[int] = []
    notify_reversed: list[int] = []
    with transaction.atomic():
        if rows := grouped.get(Outcome.SUCCESS):
            done = _update(
                _SET.format(assign="status = 'succeeded', settled_at = now()", allowed="'created','pending','unknown'"),
                rows,
            )
            postings_create_bulk(
                kind="payout.settle",
                postings=(
                    BulkPosting(f"payout-settled:{pk}", (Line(in_flight, -amount), Line(settled, amount)))
                    for pk, amount, _a, _i, _c in done
                ),
            )
            _instalments("status = 'paid', paid_at = now()", [row[3] for row in done])
            counts["succeeded"] = len(done)
        if rows := grouped.get(Outcome.FAILED):
            reasons = [failure_reason(code) for code in rows.codes]
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE applicants_payout AS p
                    SET status = 'failed', response_code = r.code, failure_reason = r.reason, updated_at = now()
                    FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS r(id, code, reason)
                    WHERE p.id = r.id AND p.status IN ('created', 'pending', 'unknown')
                    RETURNING p.id, p.amount, p.account_id, p.instalment_id, r.reason
                    """,
                    [rows.ids, rows.codes, reasons],
                )
                failed = cursor.fetchall()
                cursor.execute(
                    "UPDATE applicants_instalment AS i SET held_reason = r.reason "
                    "FROM unnest(%s::bigint[], %s::text[]) AS r(id, reason) WHERE i.id = r.id",
                    [[row[3] for row in failed], [row[4] for row in failed]],
                )
            postings_create_bulk(
                kind="payout.fail",
                postings=(
                    BulkPosting(f"payout-failed:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                    for pk, amount, account, _i, _r in failed
                ),
            )
            notify_failed = [row[0] for row in failed]
            counts["failed"] = len(failed)
        if rows := grouped.get(Outcome.REVERSED):
            after_success = _update(_SET.format(assign="status = 'reversed'", allowed="'succeeded'"), rows)
            before_success = _update(
                _SET.format(assign="status = 'reversed'", allowed="'created','pending','unknown'"), rows
            )
            postings_create_bulk(
                kind="payout.reverse",
                postings=[
                    *(
                        BulkPosting(f"payout-reversed:{pk}", (Line(settled, -amount), Line(account, amount)))
                        for pk, amount, account, _i, _c in after_success
                    ),
                    *(
                        BulkPosting(f"payout-reversed:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                        for pk, amount, account, _i, _c in before_success
                    ),
                ],
            )
            _instalments("status = 'payable', paid_at = NULL", [row[3] for row in after_success])
            notify_reversed = [row[0] for row in after_success + before_success]
            counts["reversed"] = len(notify_reversed)
        if rows := grouped.get(Outcome.PENDING):
            counts["pending"] = len(
                _update(_SET.format(assign="status = 'pending'", allowed="'created','unknown'"), rows)
            )
        if rows := grouped.get(Outcome.UNKNOWN):
            counts["unknown"] = len(_update(_SET.format(assign="status = 'unknown'", allowed="'created'"), rows))
        if notify_failed or notify_reversed:
            # In this transaction: the messages are outbox rows, committed with the results.
            payouts_notify(failed=notify_failed, reversed=notify_reversed)
    return counts


def _instalments(assign: str, ids: list[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE applicants_instalment AS i SET {assign} FROM unnest(%s::bigint[]) AS u(id) WHERE i.id = u.id",  # noqa: S608
                [ids],
            )


# -- settling what is unknown ----------------------------------------------------------


def payouts_resolve(*, limit: int = 2000, older_than_s: int | None = None) -> Counter[str]:
    """Ask the provider about payouts whose result we do not know (timeouts, 5xx, pending). A
    reference it never received is resent under the same key."""
    wait = settings.PAYOUT_RESOLVE_AFTER_S if older_than_s is None else older_than_s
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH stuck AS (
                SELECT id FROM applicants_payout
                WHERE status IN ('pending', 'unknown') AND updated_at <= now() - %(wait)s * interval '1 second'
                ORDER BY updated_at
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            )
            UPDATE applicants_payout AS p SET updated_at = now()
            FROM stuck WHERE p.id = stuck.id
            RETURNING p.id, p.status, p.channel, p.account_number, p.amount
            """,
            {"wait": wait, "limit": limit},
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    if not rows:
        return Counter()
    # Pending ones are in the provider's hands: never resent, only asked about.
    orders = [_order(pk, channel, number, amount) for pk, _status, channel, number, amount in rows.values()]
    resendable = {pk for pk, status, *_rest in rows.values() if status == PayoutStatus.UNKNOWN}
    results = _ask_then_send(orders, resendable=resendable)
    return payouts_apply(results)


def payouts_sweep() -> dict[str, int]:
    """Beat: re-queue chunks whose messages were lost or whose worker died (unfinished, and
    unclaimed or claimed longer ago than PAYOUT_STALE_AFTER_S), resume a run that died while
    being prepared, close runs whose chunks are all done, and settle what is unknown."""
    from applicants.tasks import payout_chunk_submit_task

    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.PAYOUT_STALE_AFTER_S)
    lost = PayoutChunk.objects.filter(finished_at=None, queued_at__lte=stale).filter(
        Q(claimed_at=None) | Q(claimed_at__lte=stale)
    )
    chunk_ids = list(lost.values_list("pk", flat=True)[:10_000])
    # Re-queued at most once per stale period, so a long queue is not flooded with copies.
    PayoutChunk.objects.filter(pk__in=chunk_ids).update(queued_at=now)
    for chunk_id in chunk_ids:
        payout_chunk_submit_task.delay(chunk_id=chunk_id)
    for run_id in DisbursementRun.objects.filter(status=RunStatus.SUBMITTING).values_list("pk", flat=True):
        _finish_if_sent(run_id)
    resumed = 0
    if DisbursementRun.objects.filter(status=RunStatus.PREPARING, created_at__lt=stale).exists():
        with contextlib.suppress(DisbursementError):  # another process is preparing it
            resumed = int(disbursement_run_create() is not None)
    resolved = payouts_resolve()
    return {"requeued_chunks": len(chunk_ids), "resumed_runs": resumed, **resolved}


# -- staff actions -----------------------------------------------------------------------


def payout_retry(*, payout_id: int, user: User) -> None:
    """Finance releases a failed payout's instalment for the next run (e.g. a temporary limit)."""
    with transaction.atomic():
        payout = Payout.objects.select_related("instalment").select_for_update(of=("self",)).get(pk=payout_id)
        if payout.status != PayoutStatus.FAILED:
            raise DisbursementError(_("Only a failed payout can be retried."))
        instalment = payout.instalment
        instalment.held_reason = ""
        instalment.save(update_fields=["held_reason"])
        audit_record(actor=Actor.for_user(user), action="payout.retry_released", target=payout)


def payouts_state_totals(run_id: int) -> list[dict[str, object]]:
    return list(
        Payout.objects.filter(run_id=run_id)
        .values("status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("status")
    )


# -- reconciliation ----------------------------------------------------------------------


def reconciliation_make(*, run_id: int | None = None, day: dt.date | None = None) -> Reconciliation:
    """Our books against the provider's settlement report: counts, amounts, every mismatch."""
    provider = payment_provider()
    if run_id is not None:
        run = DisbursementRun.objects.get(pk=run_id)
        if run.status in (RunStatus.PREPARING, RunStatus.AWAITING_APPROVAL, RunStatus.REJECTED):
            raise DisbursementError(_("Only a run that was sent can be reconciled."))
        ours_qs = Payout.objects.filter(run=run)
        first = timezone.localdate(run.submitted_at or run.created_at)
        days = [first + dt.timedelta(days=n) for n in range((timezone.localdate() - first).days + 1)]
    elif day is not None:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        end = start + dt.timedelta(days=1)
        # Sent or settled that day (a transfer sent at 23:59 and settled after midnight counts in both).
        ours_qs = Payout.objects.filter(
            Q(created_at__gte=start, created_at__lt=end) | Q(settled_at__gte=start, settled_at__lt=end)
        )
        days = [day]
    else:
        raise ValueError("a run or a day")
    ours = {
        payout_reference(pk): (status, amount) for pk, status, amount in ours_qs.values_list("pk", "status", "amount")
    }
    theirs = {}
    for d in days:
        for line in provider.settlement_report(day=d):
            if run_id is None or line.reference in ours:
                theirs[line.reference] = line
    mismatches = []
    for reference, line in theirs.items():
        status, amount = ours.get(reference, (None, None))
        expected = PayoutStatus.REVERSED if line.outcome == Outcome.REVERSED else PayoutStatus.SUCCEEDED
        if status is None:
            mismatches.append({"reference": reference, "problem": "paid by the provider, unknown to us"})
        elif status != expected:
            mismatches.append({"reference": reference, "problem": f"provider: {line.outcome}, ours: {status}"})
        elif amount != line.amount:
            mismatches.append({"reference": reference, "problem": f"amount: provider {line.amount}, ours {amount}"})
    for reference, (status, _amount) in ours.items():
        if status == PayoutStatus.SUCCEEDED and reference not in theirs:
            mismatches.append({"reference": reference, "problem": "settled in our books, missing from the report"})
    paid_ours = [amount for status, amount in ours.values() if status == PayoutStatus.SUCCEEDED]
    paid_theirs = [line.amount for line in theirs.values() if line.outcome == Outcome.SUCCESS]
    record = Reconciliation.objects.create(
        run_id=run_id,
        day=day,
        ours_count=len(paid_ours),
        ours_amount=sum(paid_ours),
        theirs_count=len(paid_theirs),
        theirs_amount=sum(paid_theirs),
        mismatches=mismatches[:10_000],
    )
    audit_record(
        actor=Actor.system("reconciliation"),
        action="disbursement.reconciled",
        target=record,
        payload={"mismatches": len(mismatches)},
    )
    return record
