"""One webhook POST with a hard total deadline and a bounded answer (issue 18, item 19).

`requests`' timeout is per socket operation: a receiver that trickles a byte every few
seconds, or streams an endless body, keeps the worker busy for as long as it likes, past the
delivery's lease, and the sweeper then sends the same event a second time while the first
send is still running. Here every step (connect, TLS handshake, sending, reading the status
line and headers, reading the body) shares one deadline, shorter than the lease, and at most
`MAX_ANSWER_BYTES` of the body are read: only the status code matters.

Addresses are checked after resolution, so a platform's endpoint cannot make the portal call
its own network (loopback, private, link-local) unless WEBHOOK_ALLOW_HTTP (dev, tests)."""

import http.client
import io
import ipaddress
import select
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_ANSWER_BYTES = 4096


class DeadlineExceeded(OSError):
    pass


class AddressRefused(OSError):
    pass


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str


class _DeadlineSocket:
    """A socket whose every operation waits at most until the shared deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("the receiver took too long")
        self._sock.settimeout(remaining)

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def recv(self, size: int) -> bytes:
        self._arm()
        return self._sock.recv(size)

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        # As socket.makefile does: the socket stays open while the file is (http.client closes
        # the connection once it has the response and keeps reading through the file).
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def address_allowed(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    return address.is_global and not address.is_multicast


def host_addresses(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _connect(host: str, port: int, *, deadline: float, allow_private: bool) -> socket.socket:
    addresses = host_addresses(host, port)
    if not allow_private and not all(address_allowed(ip) for ip in addresses):
        raise AddressRefused("the endpoint resolves to an address that is not public")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("the receiver took too long")
    # Connect to the address that was checked, not to a second resolution of the name.
    return socket.create_connection((addresses[0], port), timeout=remaining)


def tls_context() -> ssl.SSLContext:
    """The system's trusted authorities, certificate and host name checked."""
    return ssl.create_default_context()


def _handshake(sock: socket.socket, host: str, deadline: float) -> ssl.SSLSocket:
    """TLS with the deadline: a blocking handshake would wait per record, not in total."""
    tls = tls_context().wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    tls.setblocking(False)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("the TLS handshake took too long")
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            select.select([tls], [], [], remaining)
        except ssl.SSLWantWriteError:
            select.select([], [tls], [], remaining)
    tls.setblocking(True)
    return tls


def post_bounded(
    url: str, *, body: bytes, headers: dict[str, str], deadline_seconds: float, allow_private: bool
) -> Answer:
    """POST `body` to `url`; the status code (None when there was no answer) and, for a
    non-2xx answer, the start of its body. Never waits longer than `deadline_seconds`."""
    deadline = time.monotonic() + deadline_seconds
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The class only decides the Host header's default port: the socket is ours, connected above.
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(host, port)
    try:
        sock: socket.socket = _connect(host, port, deadline=deadline, allow_private=allow_private)
        if parts.scheme == "https":
            sock = _handshake(sock, host, deadline)
        connection.sock = _DeadlineSocket(sock, deadline)
        connection.request("POST", path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        try:
            excerpt = response.read(MAX_ANSWER_BYTES)  # never more, however much is sent
        finally:
            response.close()
        ok = 200 <= response.status < 300
        return Answer(status=response.status, error="" if ok else excerpt.decode(errors="replace")[:300])
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Answer(status=None, error=f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
