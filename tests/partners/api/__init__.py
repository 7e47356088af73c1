"""A signed partner API client for tests, as a platform's engineer would write one."""

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.test import Client

from partners.api.signing import sign
from partners.models import Partner
from partners.platforms.services.api_keys import api_key_issue
from prakerja.core.actor import Actor
from prakerja.messaging.models import SandboxMessage

_last_millis = 0


def _next_millis() -> int:
    """Milliseconds, never the same twice in this process (identical signatures are replays)."""
    global _last_millis
    _last_millis = max(int(time.time() * 1000), _last_millis + 1)
    return _last_millis


@dataclass
class SignedClient:
    partner: Partner
    key: str
    secret: str
    client: Client

    @classmethod
    def for_partner(cls, partner: Partner) -> "SignedClient":
        issued = api_key_issue(partner=partner, name="tests", actor=Actor.system("tests"))
        return cls(partner=partner, key=issued.key, secret=issued.signing_secret, client=Client())

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        stamp = str(timestamp if timestamp is not None else _next_millis())
        extra = headers or {}
        headers = {
            **extra,
            "Authorization": f"Api-Key {self.key}",
            "X-Timestamp": stamp,
            "X-Signature": signature or sign(secret=self.secret, method=method, path=path, timestamp=stamp, body=data),
        }
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        return self.client.generic(method, path, data, content_type="application/json", headers=headers)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, body if body is not None else {}, **kwargs)


def sent_code(phone: str) -> str:
    """The latest purchase code texted to this phone (from the sandbox SMS provider)."""
    message = SandboxMessage.objects.filter(to=phone, channel="sms").order_by("-created_at", "-pk").first()
    assert message is not None, "no SMS was sent"
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None
    return found.group(1)


def buyer(card_number: str) -> str:
    """The platform's id of the buyer's account for a card in tests: one stable account per card
    (one platform account uses one card)."""
    return "akun-" + card_number[-8:]
