"""Settling what is left open: payouts in unknown or pending asked about again, stuck chunks resent, a
failed payout retried by finance."""

import contextlib
import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.disbursement.errors import DisbursementError
from applicants.disbursement.lifecycle import AWAITING_ANSWER, states
from applicants.disbursement.services.answers import payouts_apply
from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.services.sending import payout_order, payouts_ask_then_send, run_finish_if_sent
from applicants.models import (
    DisbursementRun,
    Payout,
    PayoutChunk,
    PayoutStatus,
    RunStatus,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue


def payouts_resolve(*, limit: int = 2000, older_than_s: int | None = None) -> Counter[str]:
    """Ask the provider about payouts whose result we do not know (timeouts, 5xx, pending). A
    reference it never received is resent under the same key."""
    wait = settings.PAYOUT_RESOLVE_AFTER_S if older_than_s is None else older_than_s
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH stuck AS (
                SELECT id FROM applicants_payout
                WHERE status = ANY(%(awaiting)s) AND updated_at <= now() - %(wait)s * interval '1 second'
                ORDER BY updated_at
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            )
            UPDATE applicants_payout AS p SET updated_at = now()
            FROM stuck WHERE p.id = stuck.id
            RETURNING p.id, p.status, p.channel, p.account_number, p.amount
            """,
            {"wait": wait, "limit": limit, "awaiting": states(AWAITING_ANSWER)},
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    if not rows:
        return Counter()
    # Pending ones are in the provider's hands: never resent, only asked about.
    orders = [payout_order(pk, channel, number, amount) for pk, _status, channel, number, amount in rows.values()]
    resendable = {pk for pk, status, *_rest in rows.values() if status == PayoutStatus.UNKNOWN}
    results = payouts_ask_then_send(orders, resendable=resendable)
    return payouts_apply(results)


def payouts_sweep() -> dict[str, int]:
    """Beat: re-queue chunks whose messages were lost or whose worker died (unfinished, and
    unclaimed or claimed longer ago than PAYOUT_STALE_AFTER_S), resume a run that died while
    being prepared, close runs whose chunks are all done, and settle what is unknown."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.PAYOUT_STALE_AFTER_S)
    lost = PayoutChunk.objects.filter(finished_at=None, queued_at__lte=stale).filter(
        Q(claimed_at=None) | Q(claimed_at__lte=stale)
    )
    chunk_ids = list(lost.values_list("pk", flat=True)[:10_000])
    # Re-queued at most once per stale period, so a long queue is not flooded with copies.
    PayoutChunk.objects.filter(pk__in=chunk_ids).update(queued_at=now)
    for chunk_id in chunk_ids:
        enqueue("payouts.submit_chunk", chunk_id=chunk_id)
    for run_id in DisbursementRun.objects.filter(status=RunStatus.SUBMITTING).values_list("pk", flat=True):
        run_finish_if_sent(run_id)
    resumed = 0
    if DisbursementRun.objects.filter(status=RunStatus.PREPARING, created_at__lt=stale).exists():
        with contextlib.suppress(DisbursementError):  # another process is preparing it
            resumed = int(disbursement_run_create() is not None)
    resolved = payouts_resolve()
    return {"requeued_chunks": len(chunk_ids), "resumed_runs": resumed, **resolved}


def payout_retry(*, payout_id: int, actor: Actor) -> None:
    """Finance releases a failed payout's instalment for the next run (e.g. a temporary limit)."""
    with transaction.atomic():
        payout = Payout.objects.select_related("instalment").select_for_update(of=("self",)).get(pk=payout_id)
        if payout.status != PayoutStatus.FAILED:
            raise DisbursementError(_("Only a failed payout can be retried."))
        instalment = payout.instalment
        instalment.held_reason = ""
        instalment.save(update_fields=["held_reason"])
        audit_record(actor=actor, action="payout.retry_released", target=payout)
