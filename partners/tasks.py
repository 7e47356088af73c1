from celery import shared_task

from partners.services.api_log import api_requests_prune
from partners.services.evaluation import EvaluationError, evaluation_run, period_parse, previous_period
from partners.services.webhooks import webhook_delivery_attempt, webhooks_due
from prakerja.audit.services import Actor


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


@shared_task(name="partners.idempotency_prune", acks_late=True)
def idempotency_prune() -> int:
    """Idempotency keys are honoured for 24 hours (docs/partner-api.md)."""
    import datetime as dt

    from django.utils import timezone

    from partners.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - dt.timedelta(hours=25)).delete()
    return deleted


@shared_task(name="batch.partners_evaluate", acks_late=True)
def partners_evaluate(*, period: str = "") -> str:
    """The monthly draft (last month by default); re-running replaces the draft, a published
    period is left alone."""
    month = period_parse(period) if period else previous_period()
    try:
        evaluation = evaluation_run(period=month, actor=Actor.system("partners.evaluate"))
    except EvaluationError as exc:
        return exc.message
    return f"{evaluation}: {evaluation.results.count()} platforms in {evaluation.compute_ms} ms"


@shared_task(name="batch.partners_api_log_prune", acks_late=True)
def partners_api_log_prune() -> int:
    return api_requests_prune()
