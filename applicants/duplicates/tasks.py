"""Celery entry point of the duplicate pass (queue `batch`); applicants.tasks imports this module."""

from typing import Any

from celery import shared_task

from applicants.duplicates.services.scan import duplicates_scan
from prakerja.core.actor import Actor


@shared_task(name="batch.duplicates_scan", acks_late=True, soft_time_limit=3600, time_limit=3660)
def duplicates_scan_task(*, scan_id: int | None = None) -> dict[str, Any]:
    """Run the pass recorded as `scan_id` (queued from the admin), or a new one; a pass that
    already ended is not run again."""
    result = duplicates_scan(actor=Actor.system("batch.duplicates_scan"), trigger="task", scan_id=scan_id)
    return {"scan": result.scan_id, "figures": result.figures}
