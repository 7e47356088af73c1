"""Spending the integration protocol's limits without credentials: an attacker who knows (or
guesses) an institution's client code sends unsigned calls under it to use up that
institution's per-institution limit, and floods the endpoint so that every refused call
writes an IntegrationCall row. Refused calls must be counted per client address instead, and
logged without filling the table; signed calls are served whatever their address did."""

import pytest
from django.test import Client

from courses.models import IntegrationCall
from courses.services.redemption import redeem_code_issue
from tests.factories import CourseFactory
from tests.security.protocols import STATUS, SignedInstitution

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
INSTITUTION = "198.51.100.10"


def forged_call(client: Client, client_code: str, n: int) -> int:
    response = client.post(
        STATUS,
        b'{"redeem_code":"ABCDEFGHJKMN"}',
        content_type="application/json",
        headers={"client_code": client_code, "timestamp": "1767225600", "signature": f"{n:040x}"},
    )
    return response.status_code


def test_forged_calls_under_an_institutions_client_code_do_not_spend_its_limit(settings):
    # given: an institution allowed 3 calls a minute, and its redeem code
    settings.INTEGRATION_RATE = "3/m"
    lp = SignedInstitution()
    lp.client = Client(REMOTE_ADDR=INSTITUTION)
    code = redeem_code_issue(course=CourseFactory.create(institution=lp.record))
    attacker = Client(REMOTE_ADDR=ATTACKER)

    # when: an attacker sends ten unsigned calls under its client code
    refused = [forged_call(attacker, lp.record.client_code, n) for n in range(10)]

    # then: they are refused, and the institution's own calls still go through
    assert set(refused) <= {401, 429}
    assert [lp.call(STATUS, {"redeem_code": code.code}).status_code for _ in range(3)] == [200, 200, 200]
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 429  # its own limit still holds


def test_an_unauthenticated_flood_is_cut_off_per_address_and_leaves_few_rows(settings):
    # given: 5 failed authentications a minute allowed per address
    settings.INTEGRATION_UNAUTHENTICATED_RATE = "5/m"
    lp = SignedInstitution()
    lp.client = Client(REMOTE_ADDR=INSTITUTION)
    code = redeem_code_issue(course=CourseFactory.create(institution=lp.record))
    attacker = Client(REMOTE_ADDR=ATTACKER)

    # when: one address sends 200 unsigned calls under made-up client codes
    statuses = [forged_call(attacker, f"tebak-{n}", n) for n in range(200)]

    # then: after its allowance the address is told to slow down
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    # and the table got one row per address and answer (401, 429) this minute, not 200
    rows = IntegrationCall.objects.filter(institution=None)
    assert rows.count() == 2
    assert set(rows.values_list("client_address", flat=True)) == {ATTACKER}
    # while signed calls are served, from another address and from the flooding one (an
    # institution behind the same NAT or proxy address is not locked out)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    lp.client = Client(REMOTE_ADDR=ATTACKER)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    assert IntegrationCall.objects.filter(institution=lp.record).count() == 2


def test_replayed_calls_do_not_spend_the_institutions_limit(settings):
    # given: an institution allowed 3 calls a minute, and one call it sent
    settings.INTEGRATION_RATE = "3/m"
    lp = SignedInstitution()
    code = redeem_code_issue(course=CourseFactory.create(institution=lp.record))
    raw = b'{"redeem_code":"' + code.code.encode() + b'"}'
    headers = lp.headers(STATUS, raw)
    assert lp.client.post(STATUS, raw, content_type="application/json", headers=headers).status_code == 200

    # when: someone replays that exact call five times
    replays = [lp.client.post(STATUS, raw, content_type="application/json", headers=headers) for _ in range(5)]

    # then: each replay is refused, and the institution still has its two other calls
    assert {response.status_code for response in replays} == {401}
    assert [lp.call(STATUS, {"redeem_code": code.code}).status_code for _ in range(2)] == [200, 200]
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 429
