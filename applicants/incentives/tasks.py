"""Celery entry points of incentives (names unchanged; applicants.tasks imports this module)."""

from celery import shared_task

from applicants.incentives.services.entitlements import incentives_return_unpaid


@shared_task(name="batch.incentives_return_unpaid", acks_late=True)
def incentives_return_unpaid_task() -> int:
    total = 0
    while returned := incentives_return_unpaid():
        total += returned
    return total
