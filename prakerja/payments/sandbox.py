"""The sandbox payment provider: the default in development, tests and benchmarks.

It behaves like the real ones where it matters for money:
- terminal failures by account (about 2%: invalid, closed, name mismatch, limit), decided by
  the account so that resending to it fails again and a changed account can succeed;
- timeouts where the transfer went through anyway (about 1%) and 5xx where it did not;
- a reference seen before is a conflict, never a second transfer;
- callbacks that come late, sometimes twice, and occasionally a reversal after success;
- configurable latency per call.
Its books (`SandboxTransfer`) record what was really sent per reference.
"""

import datetime as dt
import hashlib
import random
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from prakerja.core.db import stream
from prakerja.payments.callbacks import callback_body, callback_deliver
from prakerja.payments.models import SandboxAccount, SandboxCallback, SandboxTransfer, SandboxTransferStatus
from prakerja.payments.providers import (
    CONFLICT_CODE,
    FAILURE_REASONS,
    SERVER_ERROR_CODE,
    SUCCESS_CODE,
    TIMEOUT_CODE,
    Inquiry,
    Outcome,
    SettlementLine,
    TransferOrder,
    TransferResult,
    is_ewallet,
)

FAILURE_CODES = sorted(FAILURE_REASONS)


def _bucket(*parts: str) -> float:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / float(1 << 48)


def sandbox_failure_code(channel: str, account_number: str) -> str | None:
    """The terminal failure this account always gets, or None for a good account."""
    if _bucket("fail", channel, account_number) >= settings.SANDBOX_PAYMENT_FAILURE_RATE:
        return None
    return FAILURE_CODES[int(_bucket("code", channel, account_number) * len(FAILURE_CODES))]


def _mask(name: str) -> str:
    """E-wallets show a masked name: the first three letters of each word."""
    return " ".join(word[:3] + "*" * max(len(word) - 3, 0) for word in name.split())


def _pause() -> None:
    if latency := settings.SANDBOX_PAYMENT_LATENCY_MS:
        time.sleep(random.uniform(0.5, 1.5) * latency / 1000)


_INSERT = """
    INSERT INTO payments_sandboxtransfer (reference, channel, account_number, amount, status, code, created_at)
    SELECT t.*, now()
    FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[])
        AS t(reference, channel, account_number, amount, status, code)
    ON CONFLICT (reference) DO NOTHING
    RETURNING reference
"""


class SandboxPaymentProvider:
    def account_inquiry(self, *, channel: str, account_number: str) -> Inquiry:
        _pause()
        account = SandboxAccount.objects.filter(channel=channel, number=account_number).first()
        if account is None:
            return Inquiry(found=False, code="4041811")
        name = account.holder_name.upper()
        name = _mask(name) if is_ewallet(channel) else name
        return Inquiry(found=True, holder_name=name, code="2001600")

    def transfer_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        _pause()
        rates = settings.SANDBOX_PAYMENT_TIMEOUT_RATE, settings.SANDBOX_PAYMENT_ERROR_RATE
        answers: dict[str, TransferResult] = {}
        taken: list[
            tuple[TransferOrder, str, str]
        ] = []  # (order, status, code)  # orders that reach the provider's books
        for order in orders:
            draw = random.random()
            if draw < rates[1]:  # 5xx before anything happened
                answers[order.reference] = TransferResult(order.reference, Outcome.UNKNOWN, SERVER_ERROR_CODE)
                continue
            code = sandbox_failure_code(order.channel, order.account_number)
            status = str(SandboxTransferStatus.FAILED if code else SandboxTransferStatus.SUCCESS)
            taken.append((order, status, code or SUCCESS_CODE))
            if draw < rates[1] + rates[0]:  # went through, but the answer never came back
                answers[order.reference] = TransferResult(order.reference, Outcome.UNKNOWN, TIMEOUT_CODE)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _INSERT,
                [
                    [o.reference for o, _s, _c in taken],
                    [o.channel for o, _s, _c in taken],
                    [o.account_number for o, _s, _c in taken],
                    [o.amount for o, _s, _c in taken],
                    [s for _o, s, _c in taken],
                    [c for _o, _s, c in taken],
                ],
            )
            new = {row[0] for row in cursor.fetchall()}
            self._schedule_callbacks([(o, s) for o, s, _c in taken if o.reference in new])
        for order, status, code in taken:
            if order.reference not in new:  # seen before: a conflict, never a second transfer
                answers.setdefault(order.reference, TransferResult(order.reference, Outcome.UNKNOWN, CONFLICT_CODE))
            elif status == SandboxTransferStatus.FAILED:
                answers.setdefault(order.reference, TransferResult(order.reference, Outcome.FAILED, code))
            else:
                answers.setdefault(order.reference, TransferResult(order.reference, Outcome.SUCCESS, code))
        return [answers[order.reference] for order in orders]

    def _schedule_callbacks(self, sent: list[tuple[TransferOrder, str]]) -> None:
        if not settings.SANDBOX_PAYMENT_CALLBACKS or not sent:
            return
        now = timezone.now()
        spread = settings.SANDBOX_PAYMENT_CALLBACK_DELAY_S

        def later(seconds: float) -> dt.datetime:
            return now + dt.timedelta(seconds=random.uniform(0, seconds))

        callbacks = []
        for order, status in sent:
            callbacks.append(SandboxCallback(reference=order.reference, status=status, due_at=later(spread)))
            if random.random() < settings.SANDBOX_PAYMENT_DUPLICATE_RATE:
                callbacks.append(SandboxCallback(reference=order.reference, status=status, due_at=later(spread * 3)))
            if status == SandboxTransferStatus.SUCCESS and random.random() < settings.SANDBOX_PAYMENT_REVERSAL_RATE:
                callbacks.append(
                    SandboxCallback(
                        reference=order.reference,
                        status=SandboxTransferStatus.REVERSED,
                        due_at=now + dt.timedelta(seconds=spread * 4 + 1),
                    )
                )
        SandboxCallback.objects.bulk_create(callbacks)

    def status_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        _pause()
        known = {
            t.reference: t
            for t in SandboxTransfer.objects.filter(reference__in=[o.reference for o in orders]).only(
                "channel", "status", "code"
            )
        }
        outcomes = {
            SandboxTransferStatus.SUCCESS: Outcome.SUCCESS,
            SandboxTransferStatus.FAILED: Outcome.FAILED,
            SandboxTransferStatus.REVERSED: Outcome.REVERSED,
        }
        results = []
        for order in orders:
            transfer = known.get(order.reference)
            # Bank transfers and e-wallet top-ups are separate services: each status service
            # knows only its own, as a real provider's does.
            if transfer is None or is_ewallet(transfer.channel) != is_ewallet(order.channel):
                results.append(TransferResult(order.reference, Outcome.NOT_FOUND, "4041801"))
            else:
                results.append(
                    TransferResult(order.reference, outcomes[SandboxTransferStatus(transfer.status)], transfer.code)
                )
        return results

    def settlement_report(self, *, day: dt.date) -> list[SettlementLine]:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        rows = SandboxTransfer.objects.filter(
            created_at__gte=start,
            created_at__lt=start + dt.timedelta(days=1),
            status__in=[SandboxTransferStatus.SUCCESS, SandboxTransferStatus.REVERSED],
        ).values_list("reference", "amount", "status", "created_at")
        return [
            SettlementLine(
                reference=reference,
                amount=amount,
                outcome=Outcome.REVERSED if status == SandboxTransferStatus.REVERSED else Outcome.SUCCESS,
                at=at,
            )
            for reference, amount, status, at in stream(rows, chunk_size=10_000)
        ]


def sandbox_callbacks_deliver(*, limit: int = 500) -> int:
    """Send the due callbacks (beat). A reversal is when the bank returns the money: the
    sandbox's books change at that moment."""
    delivered = 0
    with transaction.atomic():
        due = list(
            SandboxCallback.objects.select_for_update(skip_locked=True)
            .filter(delivered_at=None, due_at__lte=timezone.now())
            .order_by("due_at")[:limit]
        )
        transfers = {t.reference: t for t in SandboxTransfer.objects.filter(reference__in=[c.reference for c in due])}
        for callback in due:
            transfer = transfers.get(callback.reference)
            if transfer is None:
                continue
            if callback.status == SandboxTransferStatus.REVERSED and transfer.status == SandboxTransferStatus.SUCCESS:
                transfer.status = SandboxTransferStatus.REVERSED
                transfer.reversed_at = timezone.now()
                transfer.save(update_fields=["status", "reversed_at"])
            outcome = {"success": Outcome.SUCCESS, "failed": Outcome.FAILED, "reversed": Outcome.REVERSED}[
                callback.status
            ]
            status = callback_deliver(
                callback_body(reference=callback.reference, outcome=outcome, amount=transfer.amount, code=transfer.code)
            )
            callback.attempts += 1
            if 200 <= status < 300:
                callback.delivered_at = timezone.now()
                delivered += 1
            else:
                callback.due_at = timezone.now() + dt.timedelta(seconds=30 * callback.attempts)
            callback.save(update_fields=["attempts", "delivered_at", "due_at"])
    return delivered


def sandbox_account_register(*, channel: str, number: str, holder_name: str) -> SandboxAccount:
    account, _created = SandboxAccount.objects.update_or_create(
        channel=channel, number=number, defaults={"holder_name": holder_name}
    )
    return account
