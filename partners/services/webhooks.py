"""Events to platforms. `webhook_event_record` is called inside the transaction that makes the
change, so an event exists exactly when the change does; delivery is queued after commit.

Each delivery is signed like Stripe's: header `Prakerja-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256(endpoint secret, "<t>.<raw body>")>`. A receiver recomputes it, compares in
constant time, and refuses old timestamps. Deliveries are retried with exponential backoff
(30 s doubling, at most 6 hours apart) for 24 hours after the event, then marked failed.
"""

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partners.models import DeliveryStatus, Partner, WebhookDelivery, WebhookEndpoint, WebhookEvent
from prakerja.audit.services import Actor, audit_record
from prakerja.core.crypto import decrypt_value, encrypt_value
from prakerja.core.queueing import delay_after_commit

GIVE_UP_AFTER = dt.timedelta(hours=24)
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=6)
TIMEOUT_SECONDS = 10


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str


def webhook_endpoint_create(*, partner: Partner, url: str, actor: Actor) -> NewEndpoint:
    if not url.startswith("https://") and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError("Webhook endpoints must use https://.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(partner=partner, url=url, secret_encrypted=encrypt_value(secret))
        audit_record(actor=actor, action="partner.webhook_added", target=partner, payload={"url": url})
    return NewEndpoint(endpoint=endpoint, secret=secret)


def webhook_event_record(*, partner: Partner, type: str, payload: dict[str, Any]) -> WebhookEvent | None:
    """Write the event and a delivery per active endpoint; deliveries are queued after commit."""
    from partners.tasks import webhook_deliver

    endpoints = list(WebhookEndpoint.objects.filter(partner=partner, is_active=True).values_list("pk", flat=True))
    if not endpoints:
        return None
    event = WebhookEvent.objects.create(partner=partner, type=type, payload=payload)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint_id=pk, partner_id=partner.pk, created_at=now, next_attempt_at=now)
            for pk in endpoints
        ]
    )
    for delivery in deliveries:
        # robust: with the broker down the committed delivery waits for the sweeper instead
        # of failing the request that recorded it
        delay_after_commit(webhook_deliver, delivery_id=delivery.pk)
    return event


def _retry_delay(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> dt.timedelta | None:
    """Try one delivery. Returns how long to wait before the next try, or None when done
    (delivered, gave up, or not this worker's to send).

    The delivery is claimed with a conditional update that pushes its next attempt past the
    request's timeout, so two workers never send it at once, and no transaction or row lock
    is held while the platform's server answers."""
    now = now or timezone.now()
    lease = now + dt.timedelta(seconds=TIMEOUT_SECONDS + 30)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + dt.timedelta(seconds=1)
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    event, endpoint = delivery.event, delivery.endpoint
    body = json.dumps(
        {"id": str(event.id), "type": event.type, "created": event.created_at.isoformat(), "data": event.payload},
        separators=(",", ":"),
    ).encode()
    secret = decrypt_value(endpoint.secret_encrypted)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "KartuPrakerja-Webhooks/1",
        "Prakerja-Event-Id": str(event.id),
        "Prakerja-Signature": webhook_signature(secret=secret, timestamp=int(now.timestamp()), body=body),
    }
    status_code: int | None = None
    error = ""
    try:
        response = requests.post(
            endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
        status_code = response.status_code
        error = "" if response.ok else response.text[:300]
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    update: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
    wait: dt.timedelta | None = None
    if status_code is not None and 200 <= status_code < 300:
        update |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif now + _retry_delay(delivery.attempts) - event.created_at > GIVE_UP_AFTER:
        update |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        wait = _retry_delay(delivery.attempts)
        update |= {"next_attempt_at": now + wait}
    WebhookDelivery.objects.filter(pk=delivery_id).update(**update)
    return wait


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> None:
    """PMO staff send a delivery again (e.g. after the platform fixed its endpoint)."""
    from partners.tasks import webhook_deliver

    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
        )
        audit_record(actor=actor, action="webhook.redelivered", target=delivery)
        transaction.on_commit(partial(webhook_deliver.delay, delivery_id=delivery.pk))


def webhooks_due() -> list[int]:
    """Pending deliveries whose time has come (the sweeper re-queues them if a message was lost)."""
    cutoff = timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
