"""The civil registry's HTTP adapter against a local fake registry that checks the signature,
answers repeated transaction ids with the first answer, and fails or stalls on demand."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from prakerja.identity import faces
from prakerja.identity.dukcapil import DukcapilIdentityProvider
from prakerja.identity.provider import IdentityClaim, IdentityProviderUnavailable
from tests import faces as photos

CLIENT_ID = "prakerja-test"
SECRET = "registry-client-secret"
NIK = "3273011705950001"
STEPS = ("left", "blink", "right")


class FakeRegistry:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refused = 0
        self.fail_next = 0  # answer 503 to this many calls
        self.stall_next = 0  # sleep past the client's timeout on this many calls
        self.answers: dict[str, dict[str, Any]] = {}

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        digest = hashlib.sha256(body).hexdigest().lower()
        message = f"POST\n{path}\n{headers['x-timestamp']}\n{headers['x-request-id']}\n{digest}".encode()
        expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
        if headers.get("x-client-id") != CLIENT_ID or not hmac.compare_digest(expected, headers["x-signature"]):
            self.refused += 1
            return 401, {"responseCode": "05", "message": "Signature tidak valid"}
        data = json.loads(body)
        assert data["transactionId"] == headers["x-request-id"]
        self.calls.append({"path": path, **data})
        if self.stall_next:
            self.stall_next -= 1
            time.sleep(0.6)
        if self.fail_next:
            self.fail_next -= 1
            return 503, {"responseCode": "99"}
        if data["transactionId"] in self.answers:  # the same call again: the first answer
            return 200, self.answers[data["transactionId"]]
        answer = self.answer(path, data)
        answer["referenceId"] = f"DUK-{len(self.answers) + 1:06d}"
        self.answers[data["transactionId"]] = answer
        return 200, answer

    def answer(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        if path == "/api/v1/verifikasi/data":
            if data["NIK"] != NIK:
                return {"responseCode": "11", "content": [{"RESPON": "Data Tidak Ditemukan"}]}
            name = "Sesuai (100)" if data["NAMA_LGKP"] == "SITI RAHMAWATI" else "Tidak Sesuai (64)"
            return {
                "responseCode": "00",
                "content": [
                    {
                        "NIK": "Sesuai",
                        "NAMA_LGKP": name,
                        "TGL_LHR": "Sesuai" if data["TGL_LHR"] == "17-05-1995" else "Tidak Sesuai",
                        "TMPT_LHR": "Sesuai",
                    }
                ],
            }
        if path == "/api/v1/verifikasi/wajah":
            if data["image"] == "":
                return {"responseCode": "21"}
            return {"responseCode": "00", "matchScore": "87.5"}
        return {"responseCode": "00", "live": len(data["images"]) >= 3, "reason": ""}


@pytest.fixture
def registry() -> Iterator[tuple[FakeRegistry, str]]:
    fake = FakeRegistry()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, payload = fake.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            raw = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _provider(base: str, **kwargs: Any) -> DukcapilIdentityProvider:
    options: dict[str, Any] = {"timeout": 0.3, "retries": 2, "backoff": 0.01, **kwargs}
    return DukcapilIdentityProvider(base_url=base, client_id=CLIENT_ID, client_secret=SECRET, **options)


def _claim(**changes: Any) -> IdentityClaim:
    values = {"nik": NIK, "full_name": "SITI RAHMAWATI", "birth_date": dt.date(1995, 5, 17), "birth_place": "BANDUNG"}
    return IdentityClaim(**{**values, **changes})


def test_data_match_answers_per_field_with_the_registry_reference(registry: tuple[FakeRegistry, str]) -> None:
    fake, base = registry
    # when a claim with a misspelt name is checked
    answer = _provider(base).data_match(reference="ref-1", claim=_claim(full_name="SITI RAHMAWATY"))
    # then every field is answered, the name with its score, and the registry's reference kept
    assert answer.found
    assert not answer.matched
    assert answer.fields["nik"].matched
    assert answer.fields["birth_date"].matched
    assert not answer.fields["full_name"].matched
    assert answer.fields["full_name"].score == 64
    assert answer.provider_reference == "DUK-000001"
    assert fake.calls[0]["TGL_LHR"] == "17-05-1995"
    assert fake.refused == 0


def test_unknown_nik_is_not_found(registry: tuple[FakeRegistry, str]) -> None:
    _fake, base = registry
    answer = _provider(base).data_match(reference="ref-2", claim=_claim(nik="3273011705950002"))
    assert not answer.found
    assert not answer.matched


def test_a_wrong_secret_is_refused_and_not_retried(registry: tuple[FakeRegistry, str]) -> None:
    fake, base = registry
    provider = DukcapilIdentityProvider(base_url=base, client_id=CLIENT_ID, client_secret="wrong", retries=2)
    with pytest.raises(IdentityProviderUnavailable):
        provider.data_match(reference="ref-3", claim=_claim())
    assert fake.refused == 1


def test_5xx_is_retried_under_the_same_reference(registry: tuple[FakeRegistry, str]) -> None:
    fake, base = registry
    fake.fail_next = 2
    # when the registry fails twice, then answers
    answer = _provider(base).face_match(reference="ref-4", nik=NIK, selfie=b"\xff\xd8jpeg")
    # then the third try's answer counts, and all three carried the same transaction id
    assert answer.score == 87.5
    assert answer.matched
    assert [call["transactionId"] for call in fake.calls] == ["ref-4"] * 3


def test_timeouts_exhaust_the_retries_as_unavailable(
    registry: tuple[FakeRegistry, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = registry
    fake.stall_next = 3
    # (our own check of the challenge passes: this test times the registry's calls only)
    monkeypatch.setattr(faces, "liveness_check", lambda frames, steps: faces.LivenessCheck(True))
    started = time.monotonic()
    with pytest.raises(IdentityProviderUnavailable):
        _provider(base).liveness(reference="ref-5", frames=[b"a", b"b", b"c"], challenge=STEPS)
    # three tries of 0.3 s each, not the registry's stall of 0.6 s each
    assert time.monotonic() - started < 1.6
    assert len(fake.calls) == 3


def test_a_retry_after_a_lost_answer_gets_the_first_answer(registry: tuple[FakeRegistry, str]) -> None:
    _fake, base = registry
    provider = _provider(base)
    first = provider.face_match(reference="ref-6", nik=NIK, selfie=b"x")
    again = provider.face_match(reference="ref-6", nik=NIK, selfie=b"x")
    assert first.provider_reference == again.provider_reference


def test_image_problems_are_reported(registry: tuple[FakeRegistry, str]) -> None:
    _fake, base = registry
    answer = _provider(base).face_match(reference="ref-7", nik=NIK, selfie=b"")
    assert answer.problem == "no_face"
    assert not answer.matched


def test_liveness_answer(registry: tuple[FakeRegistry, str]) -> None:
    fake, base = registry
    # given a burst that follows the challenge: the registry is asked, and answers live
    assert _provider(base).liveness(reference="ref-8", frames=photos.challenge_burst(STEPS), challenge=STEPS).live
    assert len(fake.calls) == 1


def test_a_burst_that_does_not_follow_the_challenge_is_not_sent(registry: tuple[FakeRegistry, str]) -> None:
    # given a video of the person blinking (the registry's own liveness might pass it)
    fake, base = registry
    answer = _provider(base).liveness(reference="ref-9", frames=photos.burst(blink=True), challenge=STEPS)
    # then our check of the challenge refuses it, and the registry is not asked
    assert not answer.live
    assert answer.reason == "no_turn_left"
    assert fake.calls == []
