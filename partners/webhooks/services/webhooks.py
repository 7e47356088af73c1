"""Events to platforms. `webhook_event_record` is called inside the transaction that makes the
change, so an event exists exactly when the change does; delivery is queued after commit.

Each delivery is signed like Stripe's: header `Prakerja-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256(endpoint secret, "<t>.<raw body>")>` (a second `v1=` with the previous secret for
a day after a rotation). A receiver recomputes it, compares in constant time, and refuses old
timestamps. Deliveries are at least once, in no guaranteed order, retried with exponential
backoff (30 s doubling, at most 6 hours apart) for 24 hours after the event, then marked
failed; the platform reads its delivery log and asks for redelivery through the API.

Platforms manage their endpoints themselves (create, rotate the secret, disable, ping); the
PMO's partner managers can too, in the admin. docs/partner-api.md, "Webhooks", is the
contract.
"""

import datetime as dt
import hashlib
import hmac
import json
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import DeliveryStatus, Partner, WebhookDelivery, WebhookEndpoint, WebhookEvent
from partners.webhooks.services.http import address_allowed, host_addresses, post_bounded
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_value, encrypt_value
from prakerja.core.errors import DomainError
from prakerja.core.queueing import enqueue_after_commit

GIVE_UP_AFTER = dt.timedelta(hours=24)
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=6)
# The whole attempt (connect, TLS, send, answer) ends within this; the delivery's lease is
# longer, so the sweeper never re-sends a delivery whose attempt is still running.
DEADLINE_SECONDS = 10
LEASE = dt.timedelta(seconds=DEADLINE_SECONDS + 30)
# Every event goes to each active endpoint: a platform keeps a handful, not thousands.
MAX_ACTIVE_ENDPOINTS = 5
# After a rotation the previous secret signs too, for this long.
ROTATION_OVERLAP = dt.timedelta(hours=24)
EVENT_TYPES = (
    "purchase.confirmed",
    "purchase.cancelled",
    "purchase.redeemed",
    "purchase.completed",
    "listing.approved",
    "listing.rejected",
    "partner.status_changed",
    "partner.warning",
    "sandbox.purchase.confirmed",
    "ping",
)


class WebhookError(DomainError):
    """A refused webhook action; `code` is stable for API clients (like PurchaseError)."""

    def __init__(self, code: str, message: str, *, status: int = 409) -> None:
        super().__init__(message, code=code, status=status)


def webhook_signature(*, secret: str, timestamp: int, body: bytes, previous_secret: str | None = None) -> str:
    def digest(key: str) -> str:
        return hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()

    header = f"t={timestamp},v1={digest(secret)}"
    return header + (f",v1={digest(previous_secret)}" if previous_secret else "")


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_url_check(url: str) -> None:
    """https, a host name that resolves to public addresses only (http and local addresses in
    development and tests: WEBHOOK_ALLOW_HTTP)."""
    allow_local = settings.WEBHOOK_ALLOW_HTTP
    try:
        URLValidator(schemes=["https", "http"] if allow_local else ["https"])(url)
    except ValidationError:
        raise WebhookError(
            "webhook_url_invalid", _("Send an https:// URL of at most 500 characters."), status=422
        ) from None
    parts = urllib.parse.urlsplit(url)
    if len(url) > 500 or parts.username or parts.password:
        raise WebhookError("webhook_url_invalid", _("Send an https:// URL of at most 500 characters."), status=422)
    if allow_local:
        return
    try:
        addresses = host_addresses(parts.hostname or "", parts.port or 443)
    except OSError:
        addresses = []
    if not addresses or not all(address_allowed(ip) for ip in addresses):
        raise WebhookError(
            "webhook_url_invalid", _("The URL's host must resolve to public internet addresses."), status=422
        )


def _check_room(partner: Partner) -> None:
    """Called with the platform's row locked, so two requests cannot both take the last place."""
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    if WebhookEndpoint.objects.filter(partner=partner, is_active=True).count() >= MAX_ACTIVE_ENDPOINTS:
        raise WebhookError(
            "webhook_endpoint_limit",
            _("At most %(count)s active webhook endpoints: disable one first.") % {"count": MAX_ACTIVE_ENDPOINTS},
        )


def webhook_endpoint_create(*, partner: Partner, url: str, actor: Actor) -> NewEndpoint:
    """A new endpoint and its signing secret (shown once)."""
    webhook_url_check(url)
    secret = _new_secret()
    with transaction.atomic():
        _check_room(partner)
        endpoint = WebhookEndpoint.objects.create(partner=partner, url=url, secret_encrypted=encrypt_value(secret))
        audit_record(actor=actor, action="partner.webhook_added", target=partner, payload={"url": url})
    return NewEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic
def webhook_endpoint_rotate(*, endpoint: WebhookEndpoint, actor: Actor) -> NewEndpoint:
    """A new secret (shown once); the current one keeps signing too for ROTATION_OVERLAP."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _new_secret()
    now = timezone.now()
    locked.previous_secret_encrypted = locked.secret_encrypted
    locked.previous_secret_expires_at = now + ROTATION_OVERLAP
    locked.secret_encrypted = encrypt_value(secret)
    locked.secret_rotated_at = now
    locked.save(
        update_fields=[
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "secret_encrypted",
            "secret_rotated_at",
        ]
    )
    audit_record(
        actor=actor, action="partner.webhook_secret_rotated", target=locked.partner, payload={"endpoint": locked.pk}
    )
    return NewEndpoint(endpoint=locked, secret=secret)


@transaction.atomic
def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor: Actor) -> WebhookEndpoint:
    """A disabled endpoint gets no new events (pending deliveries still finish)."""
    if active and not endpoint.is_active:
        _check_room(endpoint.partner)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=active)
    audit_record(
        actor=actor,
        action="partner.webhook_enabled" if active else "partner.webhook_disabled",
        target=endpoint.partner,
        payload={"endpoint": endpoint.pk},
    )
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_ping(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """A `ping` event to this endpoint only, to test the receiver (disabled endpoints too)."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(partner=endpoint.partner, type="ping", payload={"endpoint": endpoint.pk})
        now = timezone.now()
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, partner_id=endpoint.partner_id, created_at=now, next_attempt_at=now
        )
        audit_record(
            actor=actor, action="partner.webhook_pinged", target=endpoint.partner, payload={"endpoint": endpoint.pk}
        )
        enqueue_after_commit("webhooks.deliver", delivery_id=delivery.pk)
    return delivery


def webhook_event_record(*, partner: Partner, type: str, payload: dict[str, Any]) -> WebhookEvent | None:
    """Write the event and a delivery per active endpoint; deliveries are queued after commit."""
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
        enqueue_after_commit("webhooks.deliver", delivery_id=delivery.pk)
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
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + dt.timedelta(seconds=1)
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    event, endpoint = delivery.event, delivery.endpoint
    body = webhook_body(event)
    previous = (
        decrypt_value(endpoint.previous_secret_encrypted)
        if endpoint.previous_secret_encrypted is not None
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
        else None
    )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "KartuPrakerja-Webhooks/1",
        "Prakerja-Event-Id": str(event.id),
        "Prakerja-Event-Type": event.type,
        "Prakerja-Delivery-Id": str(delivery.pk),
        "Prakerja-Attempt": str(delivery.attempts),
        "Prakerja-Signature": webhook_signature(
            secret=decrypt_value(endpoint.secret_encrypted),
            timestamp=int(now.timestamp()),
            body=body,
            previous_secret=previous,
        ),
    }
    answer = post_bounded(
        endpoint.url,
        body=body,
        headers=headers,
        deadline_seconds=DEADLINE_SECONDS,
        allow_private=settings.WEBHOOK_ALLOW_HTTP,
    )
    status_code, error = answer.status, answer.error
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


def webhook_body(event: WebhookEvent) -> bytes:
    """The bytes sent (and signed): the event envelope, compact JSON."""
    return json.dumps(
        {"id": str(event.id), "type": event.type, "created": event.created_at.isoformat(), "data": event.payload},
        separators=(",", ":"),
    ).encode()


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> None:
    """Send a delivery again, now (the platform through the API, or PMO staff), e.g. after the
    platform fixed its endpoint. Then retried as usual while the event is under 24 hours old."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
        )
        audit_record(actor=actor, action="webhook.redelivered", target=delivery)
        enqueue_after_commit("webhooks.deliver", delivery_id=delivery.pk)


def webhooks_due() -> list[int]:
    """Pending deliveries whose time has come (the sweeper re-queues them if a message was lost)."""
    cutoff = timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
