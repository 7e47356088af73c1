"""Celery entry points of waves, registries, selection and cards: each takes ids and calls one
service; each is safe to run twice. Names unchanged; applicants.tasks imports this module."""

from typing import Any

from celery import shared_task

from applicants.waves.services.announcements import wave_notify_batch, waves_untold
from applicants.waves.services.cards import balances_sweep_due, cards_revoke_due
from applicants.waves.services.registries import registry_import_run
from applicants.waves.services.selection import wave_selection_run
from applicants.waves.services.waves import waves_advance
from prakerja.accounts.models import User
from prakerja.core.actor import Actor


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


@shared_task(name="batch.balances_sweep_due", acks_late=True, soft_time_limit=3600, time_limit=3660)
def balances_sweep_due_task() -> int:
    """Daily: balances of the scheme years whose last day of use is over go to the treasury."""
    return balances_sweep_due()
