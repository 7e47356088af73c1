"""The training-institution protocol's signature (docs: ../shared/integration-protocol.md).

    signature = hex(HMAC-SHA1(sign_key, client_code + timestamp + METHOD + path + compact_body))

`compact_body` is the request's JSON without spaces, keys in the order sent. Clients put
either that or Python's default `json.dumps` (spaces after ":" and ",") on the wire; the
server re-serialises what it received compactly, and accepts the signature if it matches the
raw body, or the compact form with or without non-ASCII escaped."""

import hashlib
import hmac
import json
from typing import Any


def integration_signature(*, sign_key: str, client_code: str, timestamp: str, method: str, path: str, body: str) -> str:
    text = f"{client_code}{timestamp}{method.upper()}{path}{body}"
    return hmac.new(sign_key.encode(), text.encode(), hashlib.sha1).hexdigest()


def body_forms(raw: bytes) -> tuple[Any, list[str]]:
    """The parsed body and the textual forms a client may have signed."""
    text = raw.decode("utf-8")
    data = json.loads(text) if text.strip() else {}
    forms = [text]
    for ascii_only in (False, True):
        compact = json.dumps(data, separators=(",", ":"), ensure_ascii=ascii_only)
        if compact not in forms:
            forms.append(compact)
    return data, forms
