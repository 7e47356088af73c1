"""The client's address behind the load balancer.

gunicorn sees the balancer's address in REMOTE_ADDR. This middleware, first in MIDDLEWARE,
replaces it with the client's, so that everything that keys on REMOTE_ADDR (django-axes
lock-outs, django-ratelimit's key="ip", the audit trail) keys on the person, not on the
balancer. Only a peer listed in TRUSTED_PROXIES may say who the client is: the
X-Forwarded-For chain is read from the right (the hop nearest to us), trusted proxies are
skipped, and the first address that is not one of them is the client (with one balancer
that deletes the header a client sent, as ours does, the chain is just the client). From
any other peer the forwarding headers are removed and REMOTE_ADDR stays as it is.

Not django-ipware: its trusted-proxy option compares the proxies named inside the header,
in order, and does not look at the peer that sent it, nor accept a set of networks."""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

PEER_KEY = "prakerja.peer_addr"  # request.META: the address that connected to us
FORWARDED_KEY = "prakerja.forwarded"  # request.META: the request named a client (X-Forwarded-For)
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: list[str]) -> list[Network]:
    """TRUSTED_PROXIES: addresses or networks (CIDR)."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(peer: str, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The client's address, given the connecting peer, its X-Forwarded-For and the trusted
    proxies. A malformed or empty chain from a trusted proxy leaves the peer's address."""
    peer_address = _address(peer)
    if peer_address is None or not any(peer_address in network for network in trusted):
        return peer
    client = peer_address
    for hop in reversed((forwarded_for or "").split(",")):
        address = _address(hop)
        if address is None:
            break  # what lies left of garbage cannot be trusted either
        client = address
        if not any(address in network for network in trusted):
            break
    return str(client)


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.trusted = trusted_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta[PEER_KEY] = peer
        meta[FORWARDED_KEY] = bool(meta.get("HTTP_X_FORWARDED_FOR"))
        client = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR"), self.trusted)
        if client == peer and not self._trusted(peer):
            # Not from our balancer: whatever it says about forwarding is the client's own word.
            for header in FORWARDING_HEADERS:
                meta.pop(header, None)
        meta["REMOTE_ADDR"] = client
        return self.get_response(request)

    def _trusted(self, peer: str) -> bool:
        address = _address(peer)
        return address is not None and any(address in network for network in self.trusted)


def request_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address the middleware settled on."""
    return request.META.get("REMOTE_ADDR") or None
