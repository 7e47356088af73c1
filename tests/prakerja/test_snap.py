"""The SNAP HTTP adapter against a local fake provider that checks both signatures the way a
real one does: the RSA token signature and the HMAC-SHA512 transaction signature."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from prakerja.payments.providers import Outcome, TransferOrder
from prakerja.payments.snap import SnapPaymentProvider

CLIENT_ID = "prakerja-test"
SECRET = "snap-client-secret"
TOKEN = "token-abc"


class FakeProvider:
    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        self.public_key = public_key
        self.transfers: dict[str, dict[str, Any]] = {}  # bank transfers
        self.topups: dict[str, dict[str, Any]] = {}  # e-wallet top-ups: a service of its own
        self.status_paths: list[str] = []
        self.token_requests = 0
        self.refused: list[str] = []
        self.slow_references: set[str] = set()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if path == "/v1.0/access-token/b2b":
            signed = base64.b64decode(headers["x-signature"])
            try:
                self.public_key.verify(
                    signed,
                    f"{headers['x-client-key']}|{headers['x-timestamp']}".encode(),
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
            except InvalidSignature:
                self.refused.append(path)
                return 401, {"responseCode": "4017300"}
            self.token_requests += 1
            return 200, {"responseCode": "2007300", "accessToken": TOKEN, "expiresIn": "900"}
        digest = hashlib.sha256(json.dumps(json.loads(body), separators=(",", ":")).encode()).hexdigest().lower()
        message = f"POST:{path}:{TOKEN}:{digest}:{headers['x-timestamp']}".encode()
        expected = base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha512).digest()).decode()
        if headers.get("authorization") != f"Bearer {TOKEN}" or not hmac.compare_digest(
            expected, headers["x-signature"]
        ):
            self.refused.append(path)
            return 401, {"responseCode": "4010000"}
        data = json.loads(body)
        if path == "/v1.0/account-inquiry-external":
            if data["beneficiaryAccountNo"] == "000":
                return 404, {"responseCode": "4041611"}
            return 200, {"responseCode": "2001600", "beneficiaryAccountName": "SITI RAHMAWATI"}
        if path in ("/v1.0/transfer-interbank", "/v1.0/emoney/topup"):
            books = self.transfers if path == "/v1.0/transfer-interbank" else self.topups
            reference = data["partnerReferenceNo"]
            if reference in books:
                return 409, {"responseCode": "4091800"}
            books[reference] = data
            if reference in self.slow_references:
                time.sleep(1.5)
            if data.get("beneficiaryAccountNo") == "closed":
                return 403, {"responseCode": "4031818"}
            return 200, {"responseCode": "2001800"}
        if path in ("/v1.0/transfer/status", "/v1.0/emoney/topup-status"):
            # Each service answers only about its own transactions, as a real provider does.
            self.status_paths.append(path)
            books = self.transfers if path == "/v1.0/transfer/status" else self.topups
            reference = data["originalPartnerReferenceNo"]
            if reference not in books:
                return 404, {"responseCode": "4041801"}
            return 200, {"responseCode": "2003600", "latestTransactionStatus": "00"}
        return 404, {"responseCode": "4040000"}


@pytest.fixture
def provider() -> Iterator[tuple[FakeProvider, SnapPaymentProvider]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake = FakeProvider(key.public_key())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, payload = fake.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            encoded = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    adapter = SnapPaymentProvider(
        base_url=f"http://127.0.0.1:{server.server_port}",
        client_id=CLIENT_ID,
        client_secret=SECRET,
        private_key_pem=pem.decode(),
        partner_id="PRAKERJA",
        channel_id="95221",
        timeout=1.0,
    )
    yield fake, adapter
    server.shutdown()


def test_inquiry_transfer_and_status_are_signed_and_the_token_is_reused(provider):
    fake, adapter = provider

    inquiry = adapter.account_inquiry(channel="bni", account_number="1234567890")
    missing = adapter.account_inquiry(channel="bni", account_number="000")
    results = adapter.transfer_many(
        [TransferOrder(f"PKJ{n:012d}", "bni", "1234567890", 600_000) for n in range(5)]
        + [TransferOrder("PKJ000000000099", "bni", "closed", 600_000)]
    )
    statuses = adapter.status_many(
        [
            TransferOrder("PKJ000000000001", "bni", "1234567890", 600_000),
            TransferOrder("PKJ000000000777", "bni", "1234567890", 600_000),
        ]
    )

    assert inquiry.found
    assert inquiry.holder_name == "SITI RAHMAWATI"
    assert not missing.found
    assert [r.outcome for r in results] == [Outcome.SUCCESS] * 5 + [Outcome.FAILED]
    assert results[-1].code == "4031818"
    assert [s.outcome for s in statuses] == [Outcome.SUCCESS, Outcome.NOT_FOUND]
    assert fake.transfers["PKJ000000000001"]["amount"] == {"value": "600000.00", "currency": "IDR"}
    # every request's signature checked out, and one token served them all
    assert fake.refused == []
    assert fake.token_requests == 1


def test_a_reused_reference_or_a_timeout_is_unknown_never_a_failure(provider):
    fake, adapter = provider
    order = TransferOrder("PKJ000000000042", "bni", "1234567890", 600_000)
    assert adapter.transfer_many([order])[0].outcome == Outcome.SUCCESS

    # the same reference again: a conflict, not a second transfer
    assert adapter.transfer_many([order])[0].outcome == Outcome.UNKNOWN
    # a transfer that goes through but answers after our timeout
    fake.slow_references.add("PKJ000000000043")
    slow_order = TransferOrder("PKJ000000000043", "bni", "1234567890", 600_000)
    slow = adapter.transfer_many([slow_order])[0]

    assert slow.outcome == Outcome.UNKNOWN
    assert "PKJ000000000043" in fake.transfers
    assert adapter.status_many([slow_order])[0].outcome == Outcome.SUCCESS


def test_an_unanswered_ewallet_top_up_is_asked_about_on_the_ewallet_status_service(provider):
    # given: a GoPay top-up that went through but answered after our timeout, and a bank
    # transfer that never reached the provider
    fake, adapter = provider
    topup = TransferOrder("PKJ000000000050", "gopay", "081234567890", 600_000)
    fake.slow_references.add(topup.reference)
    assert adapter.transfer_many([topup])[0].outcome == Outcome.UNKNOWN
    never_sent = TransferOrder("PKJ000000000051", "bni", "1234567890", 600_000)

    # when: their fate is asked
    statuses = adapter.status_many([topup, never_sent])

    # then: the top-up is found where top-ups live (the bank service would say "not found", and
    # a not-found payout is sent again), and each order went to its own service
    assert [s.outcome for s in statuses] == [Outcome.SUCCESS, Outcome.NOT_FOUND]
    assert sorted(fake.status_paths) == ["/v1.0/emoney/topup-status", "/v1.0/transfer/status"]
    assert topup.reference in fake.topups
    assert topup.reference not in fake.transfers
