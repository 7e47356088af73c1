"""Hostile webhook receivers (issue 18, item 19): a platform's endpoint that answers a byte at
a time, or streams an endless body, must not hold a delivery worker past the delivery's lease
(the sweeper would then send the same event a second time while the first send still runs),
nor make it read more than a few KB.

The receivers are real sockets on 127.0.0.1; the delivery code is the worker's own."""

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from partners.models import DeliveryStatus, WebhookDelivery
from partners.webhooks.services import webhooks
from partners.webhooks.services.webhooks import webhook_delivery_attempt, webhook_endpoint_create, webhook_event_record
from prakerja.core.actor import Actor
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

DEADLINE = 2  # seconds, for the test; production's is webhooks.DEADLINE_SECONDS


@dataclass
class Hostile:
    url: str
    sent: int = 0
    done: threading.Event = field(default_factory=threading.Event)


def serve(behaviour) -> Iterator[Hostile]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    hostile = Hostile(url=f"http://127.0.0.1:{listener.getsockname()[1]}/webhook")

    def run() -> None:
        while not hostile.done.is_set():
            listener.settimeout(0.2)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request
                behaviour(conn, hostile)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield hostile
    hostile.done.set()
    thread.join(5)
    listener.close()


def trickle(conn: socket.socket, hostile: Hostile) -> None:
    # A status line and headers that never end: one byte every 0.2 s for 30 s.
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 150:
        if hostile.done.is_set():
            return
        conn.sendall(bytes([byte]))
        hostile.sent += 1
        time.sleep(0.2)


def flood(conn: socket.socket, hostile: Hostile) -> None:
    # An error answer with a 200 MB body, sent as fast as the worker reads.
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 209715200\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(3200):
        conn.sendall(chunk)
        hostile.sent += len(chunk)


@pytest.fixture
def slow_receiver() -> Iterator[Hostile]:
    yield from serve(trickle)


@pytest.fixture
def huge_receiver() -> Iterator[Hostile]:
    yield from serve(flood)


@pytest.fixture
def short_deadline(monkeypatch) -> None:
    # The same shortening for the code before the fix (TIMEOUT_SECONDS) and after it.
    monkeypatch.setattr(webhooks, "DEADLINE_SECONDS", DEADLINE, raising=False)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", DEADLINE, raising=False)


def a_delivery_to(url: str) -> WebhookDelivery:
    partner = PartnerFactory.create()
    webhook_endpoint_create(partner=partner, url=url, actor=Actor.system("tests"))
    webhook_event_record(partner=partner, type="purchase.completed", payload={"purchase": "x"})
    return WebhookDelivery.objects.get()


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_deadline(short_deadline, slow_receiver):
    # Given a delivery to a receiver that trickles its answer forever
    delivery = a_delivery_to(slow_receiver.url)
    # When a worker attempts it
    started = time.monotonic()
    wait = webhook_delivery_attempt(delivery_id=delivery.pk)
    elapsed = time.monotonic() - started
    # Then the attempt ended at the total deadline, well within the delivery's lease
    assert elapsed < DEADLINE + 1.5, f"the worker was held {elapsed:.1f} s"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert wait is not None
    assert delivery.last_status_code is None
    # And the sweeper cannot have taken it while it ran: the lease outlives the deadline
    assert webhooks.LEASE.total_seconds() > webhooks.DEADLINE_SECONDS + 10


def test_a_receiver_that_streams_a_huge_body_is_read_only_a_few_kb(short_deadline, huge_receiver):
    # Given a delivery to a receiver that answers 500 with a 200 MB body
    delivery = a_delivery_to(huge_receiver.url)
    # When a worker attempts it
    started = time.monotonic()
    webhook_delivery_attempt(delivery_id=delivery.pk, now=timezone.now())
    elapsed = time.monotonic() - started
    # Then it read the status and a few KB, then hung up
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500
    assert len(delivery.last_error) <= 300
    assert elapsed < DEADLINE + 1.5
    time.sleep(0.5)
    assert huge_receiver.sent < 16 * 1024 * 1024, f"the worker took {huge_receiver.sent} bytes"
