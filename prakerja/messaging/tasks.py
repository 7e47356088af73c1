"""Sending is a task so a slow or failing provider never holds up a web request. Every send
carries a reference that the provider deduplicates on, so a retry after a timeout cannot send
a second copy."""

from typing import Any

from celery import shared_task
from django.core.mail import EmailMessage, get_connection
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


@shared_task(name="messaging.email_send_batch", **PROVIDER_RETRY)
def email_send_batch(*, references: list[str]) -> int:
    """Send the outbox's pending emails with these references over one provider connection.
    A failure part-way marks what was sent and retries the rest (the provider deduplicates on
    the reference, so nothing is sent twice)."""
    pending = list(
        OutboxMessage.objects.filter(channel=Channel.EMAIL, reference__in=references, status=OutboxStatus.PENDING)
        .order_by("pk")
        .only("to", "subject", "body", "reference")
    )
    sent: list[str] = []
    try:
        with get_connection() as connection:
            for message in pending:
                connection.send_messages(
                    [
                        EmailMessage(
                            subject=message.subject,
                            body=message.body,
                            to=[message.to],
                            headers={"X-Reference": message.reference},
                        )
                    ]
                )
                sent.append(message.reference)
    finally:
        if sent:
            OutboxMessage.objects.filter(channel=Channel.EMAIL, reference__in=sent, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENT, sent_at=timezone.now(), body=""
            )
    return len(sent)


@shared_task(name="messaging.sms_send_batch", **PROVIDER_RETRY)
def sms_send_batch(*, references: list[str]) -> int:
    """Send the outbox's pending SMS with these references (a programme notice to many). A
    failure part-way marks what was sent and retries the rest; the gateway deduplicates on the
    reference, so a retried message is delivered once."""
    pending = list(
        OutboxMessage.objects.filter(channel=Channel.SMS, reference__in=references, status=OutboxStatus.PENDING)
        .order_by("pk")
        .only("to", "body", "reference")
    )
    gateway = sms_gateway()
    sent: list[str] = []
    try:
        for message in pending:
            gateway.send(to=message.to, text=message.body, reference=message.reference)
            sent.append(message.reference)
    finally:
        if sent:
            OutboxMessage.objects.filter(channel=Channel.SMS, reference__in=sent, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENT, sent_at=timezone.now(), body=""
            )
    return len(sent)


@shared_task(name="messaging.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    """Relay what a broker outage or a dead worker left in the outbox (beat, every minute)."""
    from prakerja.messaging.services import outbox_sweep as sweep

    return sweep()
