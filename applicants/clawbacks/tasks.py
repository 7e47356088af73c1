"""Celery entry points of clawbacks (names unchanged; applicants.tasks imports this module)."""

from celery import shared_task


@shared_task(name="batch.clawbacks_overdue", acks_late=True)
def clawbacks_overdue() -> int:
    """Daily: clawback cases past their date with money owed are referred for legal follow-up."""
    from applicants.clawbacks.services import clawbacks_mark_overdue

    return clawbacks_mark_overdue()
