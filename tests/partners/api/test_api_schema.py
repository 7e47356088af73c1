"""Schemathesis against the generated OpenAPI schema, through the real gunicorn server, with
every request signed: no 5xx, and responses match the schema."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from partners.api.signing import sign
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient
from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


class Signer(requests.auth.AuthBase):
    """Signs each prepared request exactly as sent (path with query, raw body bytes)."""

    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret = key, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        # Milliseconds, never the same twice (an identical request would repeat its signature).
        self.last = max(time.time_ns() // 1_000_000, getattr(self, "last", 0) + 1)
        stamp = str(self.last)
        request.headers["Authorization"] = f"Api-Key {self.key}"
        request.headers["X-Timestamp"] = stamp
        request.headers["X-Signature"] = sign(
            secret=self.secret, method=request.method or "", path=request.path_url, timestamp=stamp, body=body
        )
        if request.method == "POST":
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        return request


@pytest.fixture
def live_api(transactional_db: None) -> Iterator[str]:
    # A server per operation, stopped before the test database is flushed for the next one.
    env = {
        **database_env(),
        "PARTNER_API_THROTTLE": "100000/min",
    }
    with gunicorn(env=env, workers=2) as base:
        yield base


@pytest.fixture
def signer(regions: None) -> Signer:
    api = SignedClient.for_partner(PartnerFactory.create())
    ListingFactory.create(partner=api.partner)
    return Signer(api.key, api.secret)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case: Any, live_api: str, signer: Signer) -> None:
    case.call_and_validate(
        base_url=live_api,
        auth=signer,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
