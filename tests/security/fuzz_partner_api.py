"""Schemathesis with random examples (`make fuzz`, called by `make bench`): every operation
of the partner API's schema, positive and negative cases, signed like a platform signs, through
the real gunicorn server. Unlike tests/partners/api/test_api_schema.py (derandomized, 20 fixed
examples per operation, in the suite), each run draws new examples: FUZZ_EXAMPLES per
operation (default 100); a failure prints the seed to replay it with --hypothesis-seed.
What the runs found is recorded in docs/security.md."""

import os
from typing import Any

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.partners.api.test_api_schema import Signer, live_api, signer  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_random_requests_keep_the_schema_and_never_fail_the_server(
    case: Any,
    live_api: str,  # noqa: F811
    signer: Signer,  # noqa: F811
) -> None:
    case.call_and_validate(
        base_url=live_api,
        auth=signer,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
