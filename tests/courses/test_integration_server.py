"""Through the real gunicorn process: header names with underscores in either case, and bodies
sent compact or with spaces, are accepted when signed right and refused when not."""

import json
import time

import pytest
import requests

from courses.integration.signing import integration_signature
from courses.services.institutions import signing_key_issue
from courses.services.redemption import redeem_code_issue
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, InstitutionFactory, StaffUserFactory
from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

PATH = "/api/v1/integration/payment/redeem-code/status"


def test_headers_and_bodies_as_real_clients_send_them(regions):
    institution = InstitutionFactory.create()
    key = signing_key_issue(institution=institution, actor=Actor.for_user(StaffUserFactory.create()), overlap=None)
    code = redeem_code_issue(course=CourseFactory.create(institution=institution))
    env = database_env()
    body = {"redeem_code": code.code}
    compact = json.dumps(body, separators=(",", ":"))
    spaced = json.dumps(body)
    assert compact != spaced
    with gunicorn(env=env, workers=2) as base:
        results = []
        now = int(time.time())  # one clock reading: stamps must differ, or signatures repeat
        for n, (header, wire) in enumerate(
            [("client_code", compact), ("Client_code", compact), ("client_code", spaced), ("Client_code", spaced)]
        ):
            stamp = str(now - n)
            good = integration_signature(
                sign_key=key,
                client_code=institution.client_code,
                timestamp=stamp,
                method="POST",
                path=PATH,
                body=compact,
            )
            for signature in (good, "0" * 40):
                response = requests.post(
                    base + PATH,
                    data=wire.encode(),
                    headers={
                        "Content-Type": "application/json",
                        header: institution.client_code,
                        "timestamp": stamp,
                        "signature": signature,
                    },
                    timeout=10,
                )
                results.append((header, wire == spaced, signature == good, response.status_code))
    for header, is_spaced, signed_right, status in results:
        assert status == (200 if signed_right else 401), (header, is_spaced, signed_right, status)
