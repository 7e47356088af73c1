from celery import shared_task

from partners.webhooks.services.webhooks import webhook_delivery_attempt, webhooks_due


@shared_task(name="webhooks.deliver", acks_late=True, ignore_result=True)  # queued per request, never read
def webhook_deliver(*, delivery_id: int) -> str:
    wait = webhook_delivery_attempt(delivery_id=delivery_id)
    if wait is not None:
        webhook_deliver.apply_async(kwargs={"delivery_id": delivery_id}, countdown=wait.total_seconds())
        return f"retry in {wait}"
    return "done"


@shared_task(name="webhooks.sweep", acks_late=True)
def webhooks_sweep() -> int:
    """Re-queue deliveries that are due but whose message was lost (a worker died, a restart)."""
    due = webhooks_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id=delivery_id)
    return len(due)
