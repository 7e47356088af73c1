"""The partner API's request signature.

    string_to_sign = METHOD + "\n" + PATH + "\n" + TIMESTAMP + "\n" + hex(SHA-256(body))
    X-Signature    = hex(HMAC-SHA256(signing_secret, string_to_sign))

METHOD is upper case; PATH is the path with its query string exactly as sent (e.g.
`/api/v1/purchases/?status=paid`); TIMESTAMP is the `X-Timestamp` header exactly as sent:
Unix time in milliseconds (seconds are accepted too, but then two identical requests within
one second carry the same signature and the second is refused as a replay); the body is the
raw bytes sent (the SHA-256 of an empty body for GET). See docs/partner-api.md.
"""

import hashlib
import hmac
import re

SIGNATURE_WINDOW_SECONDS = 300
# Seconds, milliseconds or microseconds, in ASCII digits only: str.isdigit() also accepts
# digits such as '²' that int() refuses.
TIMESTAMP_FORMAT = re.compile(r"[0-9]{10}|[0-9]{13}|[0-9]{16}")
SIGNATURE_FORMAT = re.compile(r"[0-9a-f]{64}")


def timestamp_seconds(timestamp: str) -> float | None:
    """The Unix time an X-Timestamp stands for, or None when it is not 10, 13 or 16 digits."""
    if not TIMESTAMP_FORMAT.fullmatch(timestamp):
        return None
    return int(timestamp) / 10 ** (len(timestamp) - 10)


def string_to_sign(*, method: str, path: str, timestamp: str, body: bytes) -> str:
    return "\n".join((method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()))


def sign(*, secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    text = string_to_sign(method=method, path=path, timestamp=timestamp, body=body)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
