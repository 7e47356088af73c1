"""Celery entry points: each takes ids and calls one service; each is safe to run twice."""

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from applicants.services.announcements import wave_notify_batch, waves_untold
from applicants.services.cards import cards_revoke_due
from applicants.services.disbursement import (
    disbursement_run_create,
    payout_chunk_submit,
    payouts_sweep,
    reconciliation_make,
)
from applicants.services.incentives import incentives_return_unpaid
from applicants.services.payout_notices import payouts_notify
from applicants.services.registries import registry_import_run
from applicants.services.selection import wave_selection_run
from applicants.services.waves import waves_advance
from prakerja.accounts.models import User
from prakerja.audit.services import Actor
from prakerja.payments.sandbox import sandbox_callbacks_deliver


@shared_task(name="batch.wave_select", acks_late=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def wave_select(*, wave_id: int, seed: int | None = None, user_id: int | None = None) -> dict[str, Any]:
    actor = Actor.for_user(User.objects.get(pk=user_id)) if user_id else None
    result = wave_selection_run(wave_id=wave_id, seed=seed, actor=actor)
    return {"wave": result.wave_id, "decided": result.decided, "cards": result.cards_issued}


@shared_task(name="batch.wave_notify", acks_late=True)
def wave_notify(*, wave_id: int, after: int = 0) -> int | None:
    """One batch of announcements, then the next batch as a new task until everyone is told."""
    last = wave_notify_batch(wave_id=wave_id, after=after)
    if last is not None:
        wave_notify.delay(wave_id=wave_id, after=last)
    return last


@shared_task(name="batch.wave_notify_sweep", acks_late=True)
def wave_notify_sweep() -> list[int]:
    """Start again the announcement of waves whose members are not all told (beat)."""
    waves = waves_untold()
    for wave_id in waves:
        wave_notify.delay(wave_id=wave_id)
    return waves


@shared_task(name="batch.registry_import", acks_late=True, soft_time_limit=3600, time_limit=3660)
def registry_import_run_task(*, import_id: int) -> int:
    return registry_import_run(import_id=import_id).rows_accepted


@shared_task(name="waves.advance", acks_late=True)
def waves_advance_task() -> dict[str, list[int]]:
    return waves_advance()


@shared_task(name="batch.cards_revoke_due", acks_late=True, soft_time_limit=3600, time_limit=3660)
def cards_revoke_due_task() -> int:
    return cards_revoke_due()


# -- incentives and payouts (queue "payouts") --------------------------------------------


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


@shared_task(name="batch.incentives_return_unpaid", acks_late=True)
def incentives_return_unpaid_task() -> int:
    total = 0
    while returned := incentives_return_unpaid():
        total += returned
    return total


@shared_task(name="batch.clawbacks_overdue", acks_late=True)
def clawbacks_overdue() -> int:
    """Daily: clawback cases past their date with money owed are referred for legal follow-up."""
    from applicants.services.clawbacks import clawbacks_mark_overdue

    return clawbacks_mark_overdue()
