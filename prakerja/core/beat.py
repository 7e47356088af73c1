"""The project's periodic jobs in django-celery-beat: which tasks may run on a schedule.

Every schedule the migrations create runs one of SCHEDULED_TASKS with no arguments. The
admin lets PMO administrators change when those run and nothing else (prakerja.core.admin_beat),
and the beat scheduler runs no other row, so a PeriodicTask row that names another task (send
an SMS, submit a payout chunk) or adds arguments is never sent, whoever wrote it.
"""

import json
import logging
from typing import Any

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

SCHEDULED_TASKS = frozenset(
    {
        "system.heartbeat",
        "batch.dashboard_refresh",
        "batch.opendata_publish",
        "waves.advance",
        "batch.cards_revoke_due",
        "batch.balances_sweep_due",
        "payouts.disburse",
        "payouts.sweep",
        "payouts.sandbox_callbacks",
        "payouts.reconcile_daily",
        "batch.incentives_return_unpaid",
        "batch.clawbacks_overdue",
        "batch.privacy_retention",
        "webhooks.sweep",
        "messaging.outbox_sweep",
        "batch.wave_notify_sweep",
        "partners.idempotency_prune",
        "batch.partners_evaluate",
        "batch.partners_api_log_prune",
        "batch.identity_sweep",
        # django-celery-beat's own clean-up of expired results
        "celery.backend_cleanup",
    }
)

# What a PMO administrator may change on a schedule: its time.
TIME_FIELDS = ("interval", "crontab")


def _empty(text: str | None, empty: Any) -> bool:
    try:
        return bool(json.loads(text or "null") in (None, empty))
    except ValueError:
        return False


def periodic_task_allowed(*, task: PeriodicTask) -> bool:
    """One of the project's own jobs, with no arguments of its own."""
    return (
        task.task in SCHEDULED_TASKS and _empty(task.args, []) and _empty(task.kwargs, {}) and _empty(task.headers, {})
    )


class ProjectScheduler(DatabaseScheduler):
    """django-celery-beat's database scheduler, limited to periodic_task_allowed rows."""

    def enabled_models(self) -> list[PeriodicTask]:
        allowed = []
        for model in super().enabled_models():
            if periodic_task_allowed(task=model):
                allowed.append(model)
            else:
                logger.warning(
                    "beat: schedule %r (task %r) is not one of the project's jobs; not run", model.name, model.task
                )
        return allowed
