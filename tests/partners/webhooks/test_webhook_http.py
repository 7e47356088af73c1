"""The webhook client over TLS: a receiver with a certificate the portal trusts gets the signed
POST and its 2xx counts; one whose certificate is not trusted is not delivered to."""

import datetime as dt
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from partners.webhooks.services import http as webhook_http
from partners.webhooks.services.http import post_bounded


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[str, Path, list[bytes]]]:
    cert, key = self_signed(tmp_path)
    received: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}/hook", cert, received
    server.shutdown()


def test_a_trusted_tls_receiver_gets_the_post(tls_receiver, monkeypatch) -> None:
    # Given a TLS receiver whose certificate the portal trusts
    url, cert, received = tls_receiver
    monkeypatch.setattr(webhook_http, "tls_context", lambda: ssl.create_default_context(cafile=cert))
    monkeypatch.setattr(webhook_http, "host_addresses", lambda host, port: ["127.0.0.1"])
    # When a delivery is posted
    answer = post_bounded(url, body=b'{"x":1}', headers={}, deadline_seconds=5, allow_private=True)
    # Then it arrived and its 204 counts
    assert answer.status == 204, answer.error
    assert received == [b'{"x":1}']


def test_an_untrusted_certificate_is_not_delivered_to(tls_receiver, monkeypatch) -> None:
    # Given a TLS receiver with a certificate no authority signed
    url, _cert, received = tls_receiver
    monkeypatch.setattr(webhook_http, "host_addresses", lambda host, port: ["127.0.0.1"])
    # When a delivery is posted
    answer = post_bounded(url, body=b"{}", headers={}, deadline_seconds=5, allow_private=True)
    # Then nothing was sent, and the log says why
    assert answer.status is None
    assert "CERTIFICATE_VERIFY_FAILED" in answer.error
    assert received == []
