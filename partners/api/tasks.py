from celery import shared_task

from partners.api.services.api_log import api_requests_prune


@shared_task(name="partners.idempotency_prune", acks_late=True)
def idempotency_prune() -> int:
    """Idempotency keys are honoured for 24 hours (docs/partner-api.md)."""
    import datetime as dt

    from django.utils import timezone

    from partners.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - dt.timedelta(hours=25)).delete()
    return deleted


@shared_task(name="batch.partners_api_log_prune", acks_late=True)
def partners_api_log_prune() -> int:
    return api_requests_prune()
