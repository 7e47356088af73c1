"""Webhooks, self-service through the API: a platform registers its receiver and gets the
secret once, pings it, rotates the secret with a day's overlap, disables and enables it, reads
its delivery log and asks for redelivery; the signature matches the documented test vector;
the sandbox check needs the confirmed webhook answered with a 2xx."""

import datetime as dt

import jsonschema  # type: ignore[import-untyped]  # drf-spectacular's dependency
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from partners.models import DeliveryStatus, PartnerStatus, Purchase, WebhookDelivery, WebhookEvent
from partners.platforms.services.lifecycle import partner_status_change
from partners.webhooks.services.webhooks import (
    EVENT_TYPES,
    ROTATION_OVERLAP,
    webhook_delivery_attempt,
    webhook_event_record,
    webhook_signature,
)
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def register(api: SignedClient, url: str) -> dict:
    response = api.post(ENDPOINTS, {"url": url})
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_documented_signature_test_vector() -> None:
    # Given the secret, timestamp and body of docs/partner-api.md's worked webhook example
    body = (
        b'{"id":"8d3b7c1e-2f4a-4b7e-9a51-0c6e2d9f1a23","type":"purchase.confirmed",'
        b'"created":"2026-01-01T07:00:00+07:00","data":{"purchase":"3f2c9a80-5b1d-4e6f-8a7c-2d4e6f8a0b1c",'
        b'"invoice_code":"INV-20260101-7A3F9C2B1D","status":"paid","price":500000}}'
    )
    # When it is signed, alone and during a rotation's overlap
    alone = webhook_signature(secret="whsec_contoh-rahasia-webhook", timestamp=1767225600, body=body)
    both = webhook_signature(
        secret="whsec_contoh-rahasia-webhook",
        timestamp=1767225600,
        body=body,
        previous_secret="whsec_rahasia-lama",
    )
    # Then the header is the documented one
    assert alone == "t=1767225600,v1=ce8f22aa84447c5675200c5daf5a1324febaac68ef6d1f8a886f4dba7855689a"
    assert both == alone + ",v1=ab6bebac2c70dc1f24b3050f169562c30960613ff8b685b2addb45e99362f794"


def test_a_platform_registers_its_receiver_pings_it_and_reads_the_delivery_log(
    api, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
) -> None:
    # Given a platform's receiver
    state, url = receiver
    # When the platform registers it
    created = register(api, url)
    # Then the answer carries the signing secret, once
    state.secret = created["secret"]
    assert created["secret"].startswith("whsec_")
    assert created["is_active"] is True
    assert "secret" not in api.get(f"{ENDPOINTS}{created['id']}/").json()
    assert [e["id"] for e in api.get(ENDPOINTS).json()["results"]] == [created["id"]]
    # When it asks for a test ping
    with django_capture_on_commit_callbacks() as callbacks:
        ping = api.post(f"{ENDPOINTS}{created['id']}/ping/")
    assert ping.status_code == 202, ping.json()
    assert ping.json()["event"]["type"] == "ping"
    run_after_commit_tasks(callbacks)
    # Then the receiver verified and got it
    assert state.rejected == 0
    assert [event["type"] for event in state.received] == ["ping"]
    # And the delivery log says delivered, in a fixed number of queries however long it is
    for _ in range(3):
        webhook_event_record(partner=api.partner, type="purchase.completed", payload={"purchase": "x"})
    with django_assert_max_num_queries(10):
        log = api.get(DELIVERIES).json()["results"]
    assert len(log) == 4
    pinged = api.get(f"{DELIVERIES}{ping.json()['id']}/").json()
    assert pinged["status"] == "delivered"
    assert pinged["attempts"] == 1
    assert pinged["last_status_code"] == 204
    assert [d["event"]["type"] for d in api.get(f"{DELIVERIES}?status=delivered").json()["results"]] == ["ping"]


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day(
    api, receiver, django_capture_on_commit_callbacks
) -> None:
    # Given a registered receiver that still verifies with the old secret
    state, url = receiver
    created = register(api, url)
    old = created["secret"]
    # When the platform rotates the secret
    rotated = api.post(f"{ENDPOINTS}{created['id']}/rotate-secret/").json()
    new = rotated["secret"]
    assert new != old
    assert rotated["previous_secret_expires_at"] is not None
    # Then a delivery verifies with the old secret and with the new one
    for secret in (old, new):
        state.secret = secret
        event = webhook_event_record(partner=api.partner, type="purchase.completed", payload={"purchase": "x"})
        assert event is not None
        webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event).pk)
    assert state.rejected == 0
    assert len(state.received) == 2
    # And once the overlap is over, only the new one verifies
    state.secret = old
    event = webhook_event_record(partner=api.partner, type="purchase.completed", payload={"purchase": "x"})
    assert event is not None
    delivery = WebhookDelivery.objects.get(event=event)
    later = event.created_at + ROTATION_OVERLAP + dt.timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    webhook_delivery_attempt(delivery_id=delivery.pk, now=later)
    assert state.rejected == 1


def test_a_disabled_endpoint_gets_no_events_until_enabled(api, receiver) -> None:
    # Given a registered receiver
    _state, url = receiver
    created = register(api, url)
    # When the platform disables it
    disabled = api.post(f"{ENDPOINTS}{created['id']}/disable/")
    # Then events are not sent to it
    assert disabled.json()["is_active"] is False
    assert webhook_event_record(partner=api.partner, type="purchase.completed", payload={}) is None
    # When it enables it again, they are
    assert api.post(f"{ENDPOINTS}{created['id']}/enable/").json()["is_active"] is True
    assert webhook_event_record(partner=api.partner, type="purchase.completed", payload={}) is not None


def test_a_failed_delivery_is_sent_again_on_request(api, receiver, django_capture_on_commit_callbacks) -> None:
    # Given a delivery the receiver refused until it gave up
    state, url = receiver
    state.secret = register(api, url)["secret"]
    event = webhook_event_record(partner=api.partner, type="purchase.completed", payload={"purchase": "x"})
    assert event is not None
    delivery = WebhookDelivery.objects.get(event=event)
    state.fail_next = 1
    webhook_delivery_attempt(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    assert api.get(f"{DELIVERIES}{delivery.pk}/").json()["last_status_code"] == 503
    # When the platform asks for it again (its receiver fixed)
    with django_capture_on_commit_callbacks() as callbacks:
        again = api.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert again.status_code == 202, again.json()
    run_after_commit_tasks(callbacks)
    # Then it was delivered
    assert api.get(f"{DELIVERIES}{delivery.pk}/").json()["status"] == "delivered"
    assert [e["id"] for e in state.received] == [str(event.id)]


def test_another_platforms_endpoints_and_deliveries_do_not_exist(api, receiver) -> None:
    # Given another platform's endpoint and delivery
    _state, url = receiver
    other = SignedClient.for_partner(PartnerFactory.create())
    theirs = register(other, url)
    webhook_event_record(partner=other.partner, type="purchase.completed", payload={})
    delivery = WebhookDelivery.objects.get()
    # When this platform reaches for them
    # Then they are not found, and its lists are empty
    assert api.post(f"{ENDPOINTS}{theirs['id']}/rotate-secret/").json()["code"] == "webhook_endpoint_not_found"
    assert api.post(f"{DELIVERIES}{delivery.pk}/redeliver/").json()["code"] == "webhook_delivery_not_found"
    assert api.get(ENDPOINTS).json()["results"] == []
    assert api.get(DELIVERIES).json()["results"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://platform.example.id/webhook",
        "https://127.0.0.1/webhook",
        "https://localhost/webhook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.8/webhook",
        "https://user:pass@platform.example.id/webhook",
        "not a url",
    ],
)
def test_only_public_https_receivers_are_accepted(api, settings, url: str) -> None:
    # Given production's rules (https, public addresses)
    settings.WEBHOOK_ALLOW_HTTP = False
    # When the platform registers a plain-http, local or malformed URL
    response = api.post(ENDPOINTS, {"url": url})
    # Then it is refused with a code
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "webhook_url_invalid"


def test_the_sandbox_check_needs_an_endpoint_and_the_webhook_answered(
    receiver, django_capture_on_commit_callbacks
) -> None:
    # Given an onboarding platform without a webhook endpoint
    state, url = receiver
    api = SignedClient.for_partner(PartnerFactory.create(status=PartnerStatus.ONBOARDING))
    listing = ListingFactory.create(partner=api.partner)
    check = api.post("/api/v1/sandbox/purchases/", {"listing": listing.pk, "platform_account_id": "akun-uji"}).json()
    # When it confirms the test purchase
    refused = api.post(f"/api/v1/sandbox/purchases/{check['id']}/confirm/", {"otp": check["sandbox_otp"]})
    # Then it is told to register an endpoint first
    assert refused.status_code == 409
    assert refused.json()["code"] == "webhook_endpoint_required"
    # Given an endpoint whose receiver refuses the webhook
    state.secret = register(api, url)["secret"]
    state.fail_next = 1
    with django_capture_on_commit_callbacks() as callbacks:
        confirmed = api.post(f"/api/v1/sandbox/purchases/{check['id']}/confirm/", {"otp": check["sandbox_otp"]})
    assert confirmed.json()["status"] == "paid"
    run_after_commit_tasks(callbacks)
    # When it reports completion
    early = api.post(f"/api/v1/sandbox/purchases/{check['id']}/complete/")
    # Then that waits for the 2xx
    assert early.status_code == 409
    assert early.json()["code"] == "webhook_not_delivered"
    # When the webhook is delivered (the platform asks for it again), completion passes
    delivery = WebhookDelivery.objects.get(event__type="sandbox.purchase.confirmed")
    with django_capture_on_commit_callbacks() as callbacks:
        api.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    run_after_commit_tasks(callbacks)
    assert api.post(f"/api/v1/sandbox/purchases/{check['id']}/complete/").json()["status"] == "completed"
    assert WebhookEvent.objects.filter(type="sandbox.purchase.confirmed").count() == 1


def test_the_bodies_sent_match_the_event_catalogue(
    api, receiver, participant_card, django_capture_on_commit_callbacks
) -> None:
    # Given a receiver that keeps what it gets, and the schema's catalogue of event bodies
    state, url = receiver
    endpoint = register(api, url)
    state.secret = endpoint["secret"]
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert {name for name in schema if name.startswith("WebhookBody_")} == {
        "WebhookBody_" + event_type.replace(".", "_") for event_type in EVENT_TYPES
    }
    # When the services send events: a purchase confirmed and one cancelled, a status change, a ping
    listing = ListingFactory.create(partner=api.partner)
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(2):
            api.post(
                "/api/v1/purchases/",
                {
                    "card_number": participant_card.number,
                    "platform_account_id": buyer(participant_card.number),
                    "listing": listing.pk,
                },
            )
    run_after_commit_tasks(callbacks)
    cancelled, paid = Purchase.objects.order_by("created_at")  # the latest SMS is the second's code
    with django_capture_on_commit_callbacks() as callbacks:
        api.post(f"/api/v1/purchases/{paid.pk}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
        api.post(f"/api/v1/purchases/{cancelled.pk}/cancel/")
        partner_status_change(
            partner=api.partner, to=PartnerStatus.SUSPENDED, reason="Uji", actor=Actor.system("tests")
        )
        api.post(f"{ENDPOINTS}{endpoint['id']}/ping/")
    run_after_commit_tasks(callbacks)
    # Then every body received matches its type's schema
    assert {event["type"] for event in state.received} == {
        "purchase.confirmed",
        "purchase.cancelled",
        "partner.status_changed",
        "ping",
    }
    for event in state.received:
        jsonschema.validate(event, schema["WebhookBody_" + event["type"].replace(".", "_")])


def test_a_replayed_registration_does_not_repeat_the_secret_and_endpoints_are_capped(api, receiver) -> None:
    # Given a registration sent twice with the same Idempotency-Key (a retry after a timeout)
    _state, url = receiver
    first = api.post(ENDPOINTS, {"url": url}, idempotency_key="reg-1")
    replay = api.post(ENDPOINTS, {"url": url}, idempotency_key="reg-1")
    # Then one endpoint exists, and the stored answer does not hold the secret in clear
    assert first.json()["secret"].startswith("whsec_")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["secret"] is None
    # And a platform keeps at most five active endpoints
    for n in range(4):
        register(api, f"{url}?n={n}")
    refused = api.post(ENDPOINTS, {"url": url})
    assert refused.status_code == 409
    assert refused.json()["code"] == "webhook_endpoint_limit"


def test_a_partner_manager_disabling_an_endpoint_in_the_admin_is_audited(api, receiver, staff_groups) -> None:
    # Given a platform's endpoint and a partner manager
    _state, url = receiver
    endpoint = register(api, url)
    manager = Client()
    manager.force_login(StaffUserFactory.create(group="partner_manager"))
    # When the manager disables it in the admin
    page = f"/admin/partners/webhookendpoint/{endpoint['id']}/change/"
    response = manager.post(page, {"is_active": ""})
    # Then it is disabled, through the service, and the audit trail says who did it
    assert response.status_code == 302
    assert api.get(f"{ENDPOINTS}{endpoint['id']}/").json()["is_active"] is False
    assert AuditEvent.objects.filter(action="partner.webhook_disabled").count() == 1
