"""Queueing Celery tasks by name, so services never import the task modules (tasks import
services, never the other way: an import-linter contract in pyproject.toml holds it).

A task's name decides its queue (`CELERY_TASK_ROUTES`: `batch.*`, `payouts.*`, `webhooks.*`),
so the name is all a caller needs. `enqueue_after_commit` sends once the transaction commits,
without a broker outage failing the request whose change already committed."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def _app() -> Any:
    from prakerja.celery import app

    return app


@dataclass(frozen=True)
class QueuedTask:
    """One task to send: its registered name and keyword arguments (JSON). Callable, so it is
    what `transaction.on_commit` runs: it looks the task up by name in the Celery app (every
    app's tasks module is imported on first use) and sends it with the task's own options. The
    tests run it in-process by its name instead (`tests.conftest.run_after_commit_tasks`)."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    countdown: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "__qualname__", f"{self.name}.send")  # Django's on_commit error log names it

    def __call__(self) -> None:
        task = task_by_name(self.name)
        if self.countdown is None:
            task.delay(**self.kwargs)
        else:
            task.apply_async(kwargs=self.kwargs, countdown=self.countdown)


def enqueue(name: str, /, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Send the task named `name` now (a sweeper re-queueing what a broker outage left)."""
    QueuedTask(name, kwargs, countdown)()


def enqueue_after_commit(name: str, /, **kwargs: Any) -> None:
    """Send the task named `name` with `kwargs` once the current transaction commits (at once
    outside one). Robust: should the broker be down, the error is logged and the caller goes
    on; whatever the task was to do is kept in a row (outbox message, webhook delivery, payout
    chunk, decision not yet told) that a sweeper finds."""
    transaction.on_commit(QueuedTask(name, kwargs), robust=True)


def task_by_name(name: str) -> Any:
    """The registered task of that name (importing every app's tasks module first)."""
    app = _app()
    if name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[name]
