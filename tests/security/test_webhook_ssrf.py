"""Webhook endpoints aimed at the portal's own network (server-side request forgery): now that
platforms register their receivers themselves, one could point an endpoint at loopback,
a private address or the cloud metadata service, or register a public name and later make it
resolve to such an address. Registration refuses them, and delivery checks the address it
connects to, so the portal never sends a request there."""

import socket
import threading
from collections.abc import Iterator

import pytest

from partners.models import WebhookDelivery, WebhookEndpoint
from partners.webhooks.services import http as webhook_http
from partners.webhooks.services.webhooks import webhook_delivery_attempt, webhook_event_record
from prakerja.core.crypto import encrypt_value
from tests.factories import PartnerFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal_service() -> Iterator[tuple[int, list[int]]]:
    """A service on the portal's loopback that counts the connections it gets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    listener.close()


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/", "https://localhost:8000/", "https://169.254.169.254/", "https://[::1]/"]
)
def test_a_platform_cannot_register_an_internal_address(settings, url: str) -> None:
    # Given production's rules
    settings.WEBHOOK_ALLOW_HTTP = False
    api = SignedClient.for_partner(PartnerFactory.create())
    # When the platform registers an endpoint on the portal's network
    response = api.post("/api/v1/webhooks/endpoints/", {"url": url})
    # Then it is refused and nothing is stored
    assert response.json()["code"] == "webhook_url_invalid"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "hooks.platform.example"])
def test_an_endpoint_that_resolves_inside_is_not_called(settings, monkeypatch, internal_service, host) -> None:
    # Given an endpoint that reaches loopback: stored before the rule, or a public name that
    # was public when registered and now resolves to 127.0.0.1
    settings.WEBHOOK_ALLOW_HTTP = False
    port, accepted = internal_service
    partner = PartnerFactory.create()
    WebhookEndpoint.objects.create(
        partner=partner, url=f"https://{host}:{port}/", secret_encrypted=encrypt_value("whsec_x")
    )
    if host != "127.0.0.1":
        monkeypatch.setattr(webhook_http, "host_addresses", lambda host, port: ["127.0.0.1"])
    webhook_event_record(partner=partner, type="purchase.completed", payload={})
    # When a worker delivers the event
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    # Then no connection reached the internal service, and the log says why
    assert accepted == []
    assert "not public" in WebhookDelivery.objects.get().last_error
