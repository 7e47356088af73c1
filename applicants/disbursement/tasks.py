"""Celery entry points of disbursement (queue "payouts"): each takes ids and calls one service; each is
safe to run twice. Names unchanged; applicants.tasks imports this module."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from applicants.disbursement.notices import payouts_notify
from applicants.disbursement.services.reconciliation import reconciliation_make
from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.services.sending import payout_chunk_submit
from applicants.disbursement.services.sweeping import payouts_sweep
from prakerja.payments.sandbox import sandbox_callbacks_deliver


@shared_task(name="payouts.disburse", acks_late=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def disburse_task() -> int | None:
    """Daily (beat): make due what fell due and start a run."""
    run = disbursement_run_create()
    return run.pk if run else None


@shared_task(name="payouts.submit_chunk", acks_late=True)
def payout_chunk_submit_task(*, chunk_id: int) -> dict[str, int]:
    return dict(payout_chunk_submit(chunk_id=chunk_id))


@shared_task(name="payouts.sweep", acks_late=True)
def payouts_sweep_task() -> dict[str, int]:
    return payouts_sweep()


@shared_task(name="payouts.sandbox_callbacks", acks_late=True)
def sandbox_callbacks_task() -> int:
    return sandbox_callbacks_deliver()


@shared_task(name="payouts.reconcile_daily", acks_late=True)
def reconcile_daily_task() -> int:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return reconciliation_make(day=yesterday).pk


@shared_task(name="payouts.notify", acks_late=True)
def payouts_notify_task(*, failed: list[int], reversed: list[int]) -> int:
    return payouts_notify(failed=failed, reversed=reversed)
