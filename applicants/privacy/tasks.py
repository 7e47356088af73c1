"""Celery entry points of privacy (applicants.tasks imports this module)."""

from celery import shared_task


@shared_task(name="batch.privacy_retention", acks_late=True)
def privacy_retention() -> int:
    """Daily: KTP photos of people who never became participants are deleted after the
    retention period, their identity anonymised (safe to run twice: done rows are skipped)."""
    from applicants.privacy.retention import retention_run

    return retention_run().anonymised
