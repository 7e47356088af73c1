"""Queueing Celery tasks once a transaction commits, without a broker outage failing the
request whose change already committed."""

from functools import partial
from typing import Any

from django.db import transaction


def delay_after_commit(task: Any, /, **kwargs: Any) -> None:
    """task.delay(**kwargs) after commit. Robust: should the broker be down, the error is
    logged and the caller goes on; whatever the task was to do is kept in a row (outbox
    message, webhook delivery, payout chunk, decision not yet told) that a sweeper finds."""
    send = partial(task.delay, **kwargs)
    send.__qualname__ = f"{task.name}.delay"  # type: ignore[attr-defined]  # Django's error log names it
    transaction.on_commit(send, robust=True)
