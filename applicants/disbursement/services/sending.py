"""Sending a run: its payouts in chunks, each chunk asked about first and sent once (the idempotency
key is the payout id)."""

import logging
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applicants.disbursement.models import PayoutStatus
from applicants.disbursement.services.answers import payout_id_of, payouts_apply
from applicants.disbursement.services.registry_check import payouts_cancel_held, registry_check_run_send
from applicants.models import (
    DisbursementRun,
    PayoutChunk,
    payout_reference,
)
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit
from prakerja.payments.providers import (
    Outcome,
    TransferOrder,
    TransferResult,
    payment_provider,
)

log = logging.getLogger(__name__)

SENDING = Actor.system("disbursement")


def _chunk_ranges(run_id: int, chunk: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(id), max(id) FROM (
                SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS bucket
                FROM applicants_payout WHERE run_id = %s AND status = %s
            ) AS numbered GROUP BY bucket ORDER BY 1
            """,
            [chunk, run_id, str(PayoutStatus.CREATED)],
        )
        return [(low, high) for low, high in cursor.fetchall()]


def run_start_sending(run: DisbursementRun) -> None:
    """Queue one task per chunk of payout ids, after commit (an approved run)."""
    run.submitted_at = timezone.now()
    run.save(update_fields=["submitted_at"])
    _queue_chunks(run.pk, _chunk_ranges(run.pk, settings.PAYOUT_CHUNK))


def run_queue_sending(run_id: int, ids: list[int]) -> None:
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
    enqueue_after_commit("payouts.submit_chunk", chunk_id=chunk_id)


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
        if attempts == 1:
            # Nothing of this chunk was handed to the provider yet: lists imported since the
            # run was checked are checked now, and a participant held by now is not paid.
            registry_check_run_send(run_id=run_id, actor=SENDING)
            payouts_cancel_held(run_id=run_id, first_id=first_id, last_id=last_id)
        cursor.execute(
            "SELECT id, channel, account_number, amount FROM applicants_payout "
            "WHERE run_id = %s AND id BETWEEN %s AND %s AND status = %s ORDER BY id",
            [run_id, first_id, last_id, str(PayoutStatus.CREATED)],
        )
        unanswered = cursor.fetchall()
    claimed_at = time.perf_counter()
    orders = [payout_order(pk, channel, number, amount) for pk, channel, number, amount in unanswered]
    # A chunk claimed before may have been sent in part: ask first.
    results: list[TransferResult] = []
    if attempts > 1:
        results = payouts_ask_then_send(orders)
    elif orders:
        results = payment_provider().transfer_many(orders)
    sent_at = time.perf_counter()
    counts = payouts_apply(results)
    PayoutChunk.objects.filter(pk=chunk_id).update(finished_at=timezone.now())
    run_finish_if_sent(run_id)
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


def payout_order(pk: int, channel: str, number: str, amount: int) -> TransferOrder:
    return TransferOrder(reference=payout_reference(pk), channel=channel, account_number=number, amount=amount)


def payouts_ask_then_send(orders: list[TransferOrder], *, resendable: set[int] | None = None) -> list[TransferResult]:
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


def run_finish_if_sent(run_id: int) -> None:
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
