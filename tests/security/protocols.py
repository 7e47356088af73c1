"""Signed callers of the integration protocol, as a training institution's client sends them
(the partner API's is tests/partners/api/__init__.py, the provider callback's is a single header pair)."""

import json
import time
from typing import Any

from django.test import Client

from courses.integration.signing import integration_signature
from courses.models import TrainingInstitution
from courses.services.institutions import signing_key_issue
from prakerja.core.actor import Actor
from tests.factories import InstitutionFactory, StaffUserFactory

INTEGRATION = "/api/v1/integration/"
STATUS = INTEGRATION + "payment/redeem-code/status"
COMMIT = INTEGRATION + "payment/redeem-code/commit"
URL_GENERATE = INTEGRATION + "oauth/url-generate"
FEEDBACK = INTEGRATION + "tpm/feedback/submission"


class SignedInstitution:
    def __init__(self, record: TrainingInstitution | None = None) -> None:
        self.record = record or InstitutionFactory.create()
        self.key = signing_key_issue(
            institution=self.record, actor=Actor.for_user(StaffUserFactory.create()), overlap=None
        )
        self.client = Client()
        self.clock = int(time.time())
        self.calls = 0

    def headers(self, path: str, body: bytes) -> dict[str, str]:
        # Seconds: identical requests need different stamps, so each call steps one second back.
        self.calls += 1
        stamp = str(self.clock - self.calls)
        signature = integration_signature(
            sign_key=self.key,
            client_code=self.record.client_code,
            timestamp=stamp,
            method="POST",
            path=path,
            body=body.decode("utf-8", errors="replace"),
        )
        return {"client_code": self.record.client_code, "timestamp": stamp, "signature": signature}

    def call(self, path: str, body: dict[str, Any]) -> Any:
        raw = json.dumps(body, separators=(",", ":")).encode()
        return self.client.post(path, raw, content_type="application/json", headers=self.headers(path, raw))

    def call_raw(self, path: str, raw: bytes) -> Any:
        return self.client.post(path, raw, content_type="application/json", headers=self.headers(path, raw))
