"""Sending is a task so a slow or failing provider never holds up a web request. Every send
carries a reference that the provider deduplicates on, so a retry after a timeout cannot send
a second copy."""

from typing import Any

from celery import shared_task
from django.core.mail import EmailMessage
from django.utils import timezone

from prakerja.messaging.models import Channel, OutboxMessage, OutboxStatus
from prakerja.messaging.sandbox import ProviderError
from prakerja.messaging.sms import sms_gateway

# Transient provider failures are retried with exponential backoff for about half an hour.
PROVIDER_RETRY: dict[str, Any] = {
    "autoretry_for": (ProviderError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "acks_late": True,
    # Queued on the request path and never read: no result written, none subscribed to.
    "ignore_result": True,
}


def _outbox_sent(channel: str, reference: str) -> None:
    OutboxMessage.objects.filter(channel=channel, reference=reference, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), body=""
    )


@shared_task(name="messaging.sms_send", **PROVIDER_RETRY)
def sms_send(*, to: str, text: str, reference: str) -> str:
    result = sms_gateway().send(to=to, text=text, reference=reference)
    _outbox_sent(Channel.SMS, reference)
    return result


@shared_task(name="messaging.email_send", **PROVIDER_RETRY)
def email_send(*, to: str, subject: str, body: str, reference: str) -> int:
    sent = EmailMessage(subject=subject, body=body, to=[to], headers={"X-Reference": reference}).send()
    _outbox_sent(Channel.EMAIL, reference)
    return sent


@shared_task(name="messaging.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    """Relay what a broker outage or a dead worker left in the outbox (beat, every minute)."""
    from prakerja.messaging.services import outbox_sweep as sweep

    return sweep()
