"""The client's address from the trusted-proxy list (prakerja/core/client_ip.py); through the
real server in tests/security/test_client_address_spoofing.py."""

import pytest
from django.http import HttpRequest, HttpResponse

from prakerja.core.client_ip import ClientAddressMiddleware, client_address, trusted_networks

TRUSTED = trusted_networks(["10.0.0.0/24", "127.0.0.2", "fd00::/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # a direct client: whatever it forwards is ignored
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),
        ("198.51.100.1", None, "198.51.100.1"),
        # through the balancer
        ("127.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        # a client's own hop in front of the balancer's is not believed
        ("10.0.0.5", "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        # two trusted hops (CDN, then balancer) are skipped
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # ports, IPv6 and IPv4-mapped addresses
        ("10.0.0.5", "198.51.100.7:4431", "198.51.100.7"),
        ("fd00::1", "[2001:db8::5]:443", "2001:db8::5"),
        ("::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"),
        # a balancer that forwarded nothing or garbage: its own address
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "unknown", "10.0.0.5"),
        # garbage left of the last good hop stops the walk there
        ("10.0.0.5", "203.0.113.9, bogus, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "203.0.113.9, bogus, 10.0.0.9", "10.0.0.9"),
    ],
)
def test_client_address(peer, forwarded_for, client):
    assert client_address(peer, forwarded_for, TRUSTED) == client


def test_nobody_is_trusted_by_default(rf, settings):
    # given no TRUSTED_PROXIES, a request forwarding an address and a scheme
    settings.TRUSTED_PROXIES = []
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(request.META)
        return HttpResponse()

    middleware = ClientAddressMiddleware(view)
    request = rf.get(
        "/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"
    )
    # when it passes the middleware
    middleware(request)
    # then the address is the peer's and the forwarding headers are gone (no forged https)
    assert seen["REMOTE_ADDR"] == "198.51.100.1"
    assert "HTTP_X_FORWARDED_FOR" not in seen
    assert "HTTP_X_FORWARDED_PROTO" not in seen
