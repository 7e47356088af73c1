import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from applicants.models import Card
from applicants.waves.services.selection import wave_selection_run
from tests.applicants.wave_setups import close
from tests.factories import WaveFactory, WaveMemberFactory


@pytest.fixture(autouse=True)
def _regions(regions: None) -> None:
    """Participants need provinces."""


@pytest.fixture
def participant_card(training_fund: int) -> Card:
    """A fresh card with the normal scheme's Rp3,500,000."""
    return new_participant_card()


def new_participant_card() -> Card:
    """Another participant's card, selected in a wave of its own (needs the training fund)."""
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    return Card.objects.select_related("applicant").get(decision_id=member.pk)


class Receiver:
    """A platform's webhook endpoint, written as the platform would: verify, then accept."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_next = 0
        self.received: list[dict[str, Any]] = []
        self.rejected = 0

    def verify(self, header: str, body: bytes) -> bool:
        # t=<seconds>,v1=<hex>[,v1=<hex with the previous secret, after a rotation>]
        items = [item.split("=", 1) for item in header.split(",")]
        stamp = next(value for name, value in items if name == "t")
        expected = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = abs(timezone.now().timestamp() - int(stamp)) < 300
        return fresh and any(hmac.compare_digest(expected, value) for name, value in items if name == "v1")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.fail_next:
                state.fail_next -= 1
                self.send_response(503)
            elif not state.verify(self.headers.get("Prakerja-Signature", ""), body):
                state.rejected += 1
                self.send_response(400)
            else:
                state.received.append(json.loads(body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/prakerja/webhook"
    server.shutdown()
