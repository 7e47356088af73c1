"""Sending is a task so a slow or failing provider never holds up a web request. Every send
carries a reference that the provider deduplicates on, so a retry after a timeout cannot send
a second copy."""

from typing import Any

from celery import shared_task
from django.core.mail import EmailMessage

from prakerja.messaging.sandbox import ProviderError
from prakerja.messaging.sms import sms_gateway

# Transient provider failures are retried with exponential backoff for about half an hour.
PROVIDER_RETRY: dict[str, Any] = {
    "autoretry_for": (ProviderError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="messaging.sms_send", **PROVIDER_RETRY)
def sms_send(*, to: str, text: str, reference: str) -> str:
    return sms_gateway().send(to=to, text=text, reference=reference)


@shared_task(name="messaging.email_send", **PROVIDER_RETRY)
def email_send(*, to: str, subject: str, body: str, reference: str) -> int:
    return EmailMessage(subject=subject, body=body, to=[to], headers={"X-Reference": reference}).send()
