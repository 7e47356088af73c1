"""Malformed input to the three signed APIs (partner API, training-institution protocol,
payment-provider callback): odd header values (Unicode digits such as '²', which str.isdigit
accepts and int() refuses; non-ASCII signatures, which hmac.compare_digest refuses; decimals;
wrong lengths), and bodies that are signed correctly but carry huge integers, wrong types,
missing fields, NUL characters or JSON nested thousands deep. Every answer must be a 4xx with
the API's documented error body, never a 500.

Properties are checked with hypothesis (a bounded number of examples, so the file runs in
seconds) through Django's test client; tests/security/test_malformed_headers_server.py sends
the sharpest cases through the real gunicorn server."""

import json
import os
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from courses.services.redemption import redeem_code_issue
from partners.api.signing import sign
from prakerja.payments.callbacks import CALLBACK_PATH, callback_signature, snap_timestamp
from tests.factories import CourseFactory, ListingFactory, PartnerFactory, ScheduleFactory
from tests.partners.api import SignedClient, _next_millis
from tests.security.protocols import COMMIT, FEEDBACK, STATUS, URL_GENERATE, SignedInstitution

pytestmark = pytest.mark.django_db

# In the suite: 40 fixed examples per property. `make fuzz` sets FUZZ_RANDOM and FUZZ_EXAMPLES
# for new random examples on every run.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
)

# What a header can carry through a real server (Latin-1), with the Unicode digits that fool
# str.isdigit; and everything else for the test client.
latin1 = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=40)
odd_digits = st.text(
    st.one_of(st.sampled_from("0123456789"), st.characters(categories=["Nd", "No"])), min_size=1, max_size=20
)
header_values = st.one_of(latin1, odd_digits, st.integers().map(str), st.floats().map(str), st.text(max_size=30))

huge = st.one_of(
    st.integers(min_value=2**31 - 5, max_value=2**31 + 5),
    st.integers(min_value=2**63 - 5, max_value=2**63 + 5),
    st.integers(min_value=10**30, max_value=10**40),
    st.integers(max_value=-1),
)
scalars = st.one_of(
    st.none(), st.booleans(), huge, st.integers(), st.floats(allow_nan=False), st.text(max_size=20), st.just("\x00")
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)


FULLWIDTH_STAMP = "".join(chr(0xFF10 + int(digit)) for digit in "1767225600")  # digits to isdigit()


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def bodies(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[bytes]:
    """Objects with the endpoint's fields (some missing, some of the wrong type) and strays."""
    shaped = st.fixed_dictionaries({}, optional={name: st.one_of(good, json_values) for name, good in fields.items()})
    objects = st.builds(lambda known, extra: {**extra, **known}, shaped, st.dictionaries(st.text(max_size=8), scalars))
    return st.one_of(
        objects.map(lambda o: json.dumps(o).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=40),
        st.sampled_from([deep(100_000), b"[" * 50_000, b'{"price": 1' + b"0" * 5000 + b"}", b"\xff\xfe{}"]),
    )


# -- the partner API ------------------------------------------------------------------------


def assert_partner_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body.get("detail"), str), body
    assert isinstance(body.get("code"), str), body


@pytest.fixture
def platform() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


@FUZZ
@given(timestamp=header_values, signature=header_values, key=st.one_of(st.none(), header_values))
@example(timestamp="1767225600²", signature="", key=None)
@example(timestamp="²" * 13, signature="a" * 64, key=None)
@example(timestamp="1767225600000.5", signature="a" * 64, key=None)
@example(timestamp="12345678901", signature="a" * 64, key=None)
@example(timestamp="NOW", signature="é" * 64, key=None)
@example(timestamp="", signature="é" * 64, key="Api-Key \x00")
def test_partner_api_headers(platform, timestamp, signature, key):
    # given: a platform's real key, or garbage, with garbage timestamps and signatures
    # when: it calls the API
    headers = {
        "Authorization": f"Api-Key {platform.key}" if key is None else key,
        "X-Timestamp": timestamp,
        "X-Signature": signature,
    }
    response = Client().get("/api/v1/listings/", headers=headers)
    # then: refused with the API's error body
    assert_partner_error(response)


@FUZZ
@given(timestamp=st.sampled_from(["now_ms", "now_s", "now_us"]), signature=header_values)
def test_partner_api_signature_of_any_shape_is_refused(platform, timestamp, signature):
    # given: a well-formed, current timestamp and a signature of any shape
    millis = _next_millis()
    stamp = {"now_ms": str(millis), "now_s": str(millis // 1000), "now_us": str(millis * 1000)}[timestamp]
    # when / then
    response = Client().get(
        "/api/v1/listings/",
        headers={"Authorization": f"Api-Key {platform.key}", "X-Timestamp": stamp, "X-Signature": signature},
    )
    assert_partner_error(response)


LISTING_FIELDS = {
    "course": st.integers(min_value=1, max_value=5),
    "price": st.integers(min_value=1, max_value=1_000_000),
    "sku": st.text(max_size=10),
    "url": st.text(max_size=10),
    "new_course": st.fixed_dictionaries(
        {
            "institution": huge,
            "title": st.text(max_size=5),
            "description": st.text(max_size=5),
            "learning_outcomes": st.text(max_size=5),
            "category": st.just("teknologi-informasi"),
            "method": st.sampled_from(["webinar", "self_paced", "x"]),
            "total_hours": st.one_of(huge, st.floats(), st.text(max_size=5)),
            "price": huge,
            "outside_price": huge,
            "trainer_name": st.text(max_size=5),
            "sessions": st.lists(st.fixed_dictionaries({"starts_at": scalars, "ends_at": scalars}), max_size=2),
        }
    ),
}
PURCHASE_FIELDS = {
    "card_number": st.one_of(st.just("5380342687319785"), st.text(max_size=20)),
    "platform_account_id": st.one_of(st.just("akun-1"), st.text(max_size=140)),
    "listing": huge,
    "schedule": huge,
}


@FUZZ
@given(path=st.sampled_from(["/api/v1/listings/", "/api/v1/purchases/"]), data=st.data())
def test_partner_api_signed_bodies(platform, path, data):
    # given: a signed POST whose body is malformed in some way
    ListingFactory.create(partner=platform.partner)
    body = data.draw(bodies(LISTING_FIELDS if "listings" in path else PURCHASE_FIELDS))
    # when
    response = platform.call("POST", path, raw=body)
    # then: a 4xx with the error body (a well-formed listing may even be created: 201)
    if response.status_code == 201:
        return
    assert_partner_error(response)


@FUZZ
@given(
    path=st.one_of(
        st.builds("/api/v1/listings/{}/".format, st.one_of(huge, st.text(max_size=10))),
        st.builds("/api/v1/purchases/?updated_since={}".format, st.text(max_size=20)),
        st.builds("/api/v1/catalog/courses/?page_size={}".format, st.one_of(huge, st.text(max_size=5))),
        st.builds("/api/v1/purchases/?cursor={}".format, st.text(max_size=20)),
    ),
    body=st.one_of(st.just(b""), bodies({"price": huge, "is_active": scalars, "url": st.text(max_size=5)})),
)
def test_partner_api_paths_and_queries(platform, path, body):
    from urllib.parse import quote

    path = quote(path, safe="/?=&")
    response = platform.call("GET", path) if not body else platform.call("PATCH", path, raw=body)
    if response.status_code == 200 or (
        response.status_code == 404 and response["Content-Type"].startswith("text/html")
    ):
        return  # found, or a path no API route matches (Django's own 404 page)
    assert_partner_error(response)


# -- the training-institution protocol ------------------------------------------------------


def assert_envelope_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert body["success"] is False, body
    assert isinstance(body["message"], str), body
    assert isinstance(body["data"], dict), body


@FUZZ
@given(client_code=header_values, timestamp=header_values, signature=header_values)
@example(client_code="lp-1", timestamp="²" * 10, signature="a" * 40)
@example(client_code="lp-1", timestamp="1767225600", signature="é" * 40)
@example(client_code="\x00", timestamp="1767225600", signature="a" * 40)
def test_institution_protocol_headers(client_code, timestamp, signature):
    response = Client().post(
        STATUS,
        b'{"redeem_code":"ABCDEFGHJKMN"}',
        content_type="application/json",
        headers={"client_code": client_code, "timestamp": timestamp, "signature": signature},
    )
    assert_envelope_error(response)


PROTOCOL_FIELDS = {
    "redeem_code": st.one_of(st.just("ABCDEFGHJKMN"), st.text(max_size=40)),
    "sequence": st.one_of(st.integers(min_value=1, max_value=3), huge),
    "redirect_uri": st.one_of(st.just("https://lp.example.id/kembali"), st.text(max_size=10), st.just("x" * 600)),
    "email": st.one_of(st.just("peserta@contoh.id"), st.text(max_size=10)),
    "scope": st.text(max_size=10),
    "notes": st.text(max_size=10),
    "url_file": st.one_of(st.just("https://lp.example.id/" + "f" * 600), st.text(max_size=10)),
}


@FUZZ
@given(path=st.sampled_from([STATUS, COMMIT, URL_GENERATE, FEEDBACK]), data=st.data())
def test_institution_protocol_signed_bodies(path, data):
    # given: an institution with a real webinar code, signing bodies that are malformed
    lp = SignedInstitution()
    schedule = ScheduleFactory.create(course__institution=lp.record)
    code = redeem_code_issue(course=schedule.course, schedule=schedule)
    body = data.draw(bodies({**PROTOCOL_FIELDS, "redeem_code": st.sampled_from([code.code, "\x00", "²" * 12])}))
    # when
    response = lp.call_raw(path, body)
    # then: answered in the envelope, never a 500
    if response.status_code == 200:
        assert response.json()["success"] is True
        return
    assert_envelope_error(response)


# -- the payment provider's callback --------------------------------------------------------


def assert_callback_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"responseCode", "responseMessage"}, body
    assert body["responseMessage"] == "Rejected", body


@FUZZ
@given(timestamp=header_values, signature=header_values, body=bodies({}))
@example(timestamp="2026-12-01T10:00:00+07:00", signature="é" * 88, body=b"{}")
@example(timestamp="now", signature="é" * 88, body=deep(100_000))
def test_payment_callback_headers(timestamp, signature, body):
    stamp = snap_timestamp() if timestamp == "now" else timestamp
    response = Client().post(
        CALLBACK_PATH, body, content_type="application/json", headers={"X-TIMESTAMP": stamp, "X-SIGNATURE": signature}
    )
    assert_callback_error(response)


CALLBACK_FIELDS = {
    "originalPartnerReferenceNo": st.one_of(st.just("PKJ000000000001"), st.just("PKJ²²"), huge.map("PKJ{}".format)),
    "latestTransactionStatus": st.sampled_from(["00", "06", "04", "99"]),
    "responseCode": st.text(max_size=10),
    "amount": st.one_of(
        st.fixed_dictionaries({"value": st.one_of(huge.map("{}.00".format), st.just("²00.00")), "currency": scalars}),
        json_values,
    ),
}


@FUZZ
@given(body=bodies(CALLBACK_FIELDS))
def test_payment_callback_signed_bodies(body):
    # given: a callback correctly signed with the provider's secret, whose body is malformed
    stamp = snap_timestamp()
    try:
        signature = callback_signature(body=body, timestamp=stamp)
    except (ValueError, RecursionError):
        signature = "a" * 88  # not JSON: nothing could sign it, so it is also unsigned
    # when
    response = Client().post(
        CALLBACK_PATH, body, content_type="application/json", headers={"X-TIMESTAMP": stamp, "X-SIGNATURE": signature}
    )
    # then
    assert_callback_error(response)


def test_the_partner_api_signing_helper_matches_the_fuzzed_requests(platform):
    # The fuzzed signed requests above are meaningful only if a well-formed one passes.
    stamp = str(_next_millis())
    signature = sign(secret=platform.secret, method="GET", path="/api/v1/listings/", timestamp=stamp, body=b"")
    response = Client().get(
        "/api/v1/listings/",
        headers={"Authorization": f"Api-Key {platform.key}", "X-Timestamp": stamp, "X-Signature": signature},
    )
    assert response.status_code == 200


# -- the sharpest cases, one by one -----------------------------------------------------------


def test_a_new_course_priced_beyond_the_column_is_refused_as_invalid(platform):
    # given: a platform that may submit courses for an institution
    institution = CourseFactory.create().institution
    platform.partner.institutions.add(institution)
    new_course = {
        "institution": institution.pk,
        "title": "Analisis Data",
        "description": "Pelatihan analisis data.",
        "learning_outcomes": "Peserta mampu mengolah data.",
        "category": "teknologi-informasi",
        "method": "self_paced",
        "total_hours": "20.0",
        "price": 10**19,  # more than a PostgreSQL bigint holds
        "outside_price": 10**19 + 1,
        "trainer_name": "Rina Kusuma",
    }
    # when: it submits a course priced beyond what the column holds
    response = platform.post("/api/v1/listings/", {"new_course": new_course, "sku": "BIG-1", "price": 10**19})
    # then: 400 invalid, naming the field
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid"
    assert "price" in response.json()["errors"]["new_course"]


def test_an_idempotency_key_with_a_nul_character_is_refused(platform):
    # when: a signed POST carries an Idempotency-Key the database cannot store
    response = platform.post("/api/v1/purchases/", {"listing": 1}, idempotency_key="kunci\x00-1")
    # then
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "idempotency_key_required"


def test_an_attendance_sequence_beyond_the_column_is_refused():
    # given: an institution's webinar code in its window
    lp = SignedInstitution()
    schedule = ScheduleFactory.create(course__institution=lp.record, starts_at=timezone.now())
    code = redeem_code_issue(course=schedule.course, schedule=schedule)
    # when: it commits session 2**40
    response = lp.call(COMMIT, {"redeem_code": code.code, "sequence": 2**40})
    # then: 422 in the envelope
    assert response.status_code == 422, response.content[:300]
    assert response.json()["success"] is False


def test_a_partner_timestamp_not_of_10_13_or_16_digits_has_its_own_error(platform):
    # given: timestamps the docs do not allow: 11 digits, a decimal, Unicode digits
    for stamp in ["17672256000", "1767225600000.5", FULLWIDTH_STAMP]:
        signature = sign(secret=platform.secret, method="GET", path="/api/v1/listings/", timestamp=stamp, body=b"")
        # when
        response = platform.get("/api/v1/listings/", timestamp=stamp, signature=signature)
        # then: 401 timestamp_invalid, not "signature required" and not accepted
        assert response.status_code == 401, (stamp, response.content)
        assert response.json()["code"] == "timestamp_invalid", stamp


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("browser")
def test_superscript_digits_and_non_ascii_signatures_through_the_real_server(regions):
    # given: the real gunicorn server, a platform's key and an institution's client code
    import requests

    from tests.server import database_env, gunicorn

    platform = SignedClient.for_partner(PartnerFactory.create())
    lp = SignedInstitution()
    env = database_env()
    now = str(_next_millis())
    # Latin-1 header values, as a client's HTTP library sends them: '²' is a digit to
    # str.isdigit() and not to int(); 'é' makes hmac.compare_digest raise.
    partner_headers = [
        {"X-Timestamp": "1767225600²", "X-Signature": "a" * 64},
        {"X-Timestamp": now, "X-Signature": "é" * 64},
    ]
    protocol_headers = [
        {"client_code": lp.record.client_code, "timestamp": "²" * 10, "signature": "a" * 40},
        {"client_code": lp.record.client_code, "timestamp": now[:10], "signature": "é" * 40},
    ]
    callback_headers = [{"X-TIMESTAMP": snap_timestamp(), "X-SIGNATURE": "é" * 88}]
    with gunicorn(env=env, workers=1) as base:
        # when: each API is called with them
        answers = [
            requests.get(
                base + "/api/v1/listings/",
                headers={"Authorization": f"Api-Key {platform.key}", **headers},
                timeout=10,
            )
            for headers in partner_headers
        ]
        answers += [
            requests.post(base + STATUS, data=b'{"redeem_code":"ABCDEFGHJKMN"}', headers=headers, timeout=10)
            for headers in protocol_headers
        ]
        answers += [
            requests.post(base + CALLBACK_PATH, data=b"{}", headers=headers, timeout=10) for headers in callback_headers
        ]
    # then: every one is a 401 with its API's error body
    assert [a.status_code for a in answers] == [401] * 5, [(a.status_code, a.text[:100]) for a in answers]
    assert [a.json()["code"] for a in answers[:2]] == ["timestamp_invalid", "signature_invalid"]
    assert all(a.json()["success"] is False for a in answers[2:4])
    assert answers[4].json()["responseMessage"] == "Rejected"
