"""The signed GET of one listing is served by a lean path beside DRF's request cycle
(partners.api.views.ListingViewSet.dispatch). Every answer it gives must be the one DRF gives:
each case below is sent once through DRF (`lean_retrieve` off: the code before the lean path)
and once through the lean path, and the status, the bytes, the headers and the request log row
are compared. Which path served each request is checked too (unusual requests go through DRF
on purpose)."""

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.views import APIView

from partners.api import authentication
from partners.api.signing import sign
from partners.api.views import ListingViewSet, PartnerRateThrottle
from partners.models import ApiRequestLog, PartnerAPIKey, PartnerStatus
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db

# Differ between two requests by nature: how many requests are left this window, and when it ends.
MOVING_HEADERS = {"RateLimit-Remaining", "RateLimit-Reset"}


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


@pytest.fixture
def drf_dispatches(monkeypatch) -> list[str]:
    """The paths DRF's own dispatch served."""
    served: list[str] = []
    original = APIView.dispatch

    def dispatch(self, request, *args, **kwargs):
        served.append(request.path)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "dispatch", dispatch)
    return served


@pytest.fixture
def both_paths(monkeypatch, drf_dispatches) -> Callable[[Callable[[], Any]], tuple[Any, Any, bool]]:
    """Sends a request through DRF, then through the lean path: (DRF's answer, the lean path's,
    whether the lean path served the second round without DRF's dispatch)."""

    def send(request: Callable[[], Any]) -> tuple[Any, Any, bool]:
        monkeypatch.setattr(ListingViewSet, "lean_retrieve", False)
        before = len(drf_dispatches)
        old = request()
        assert len(drf_dispatches) > before
        old_log = _last_log()
        monkeypatch.setattr(ListingViewSet, "lean_retrieve", True)
        before = len(drf_dispatches)
        new = request()
        new_log = _last_log()
        assert old_log == new_log, (old_log, new_log)
        return old, new, len(drf_dispatches) == before

    return send


def _last_log() -> tuple[Any, ...] | None:
    row = ApiRequestLog.objects.order_by("-pk").values_list("partner_id", "method", "route", "status_code").first()
    return tuple(row) if row else None


def _headers(response: Any) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in MOVING_HEADERS}


def assert_same(old: Any, new: Any, *, normalise: Callable[[str], str] = lambda text: text) -> None:
    assert new.status_code == old.status_code, (old.content, new.content)
    assert normalise(new.content.decode()) == normalise(old.content.decode())
    assert {k: normalise(v) for k, v in _headers(new).items()} == {k: normalise(v) for k, v in _headers(old).items()}
    assert new.has_header("RateLimit-Remaining") == old.has_header("RateLimit-Remaining")


def another_process_changed_keys() -> None:
    key = cache.make_and_validate_key(authentication.KEYS_VERSION)
    cache._cache.get_client(write=True).incr(key)  # type: ignore[attr-defined]


def test_a_listing_is_the_same_bytes_and_headers_on_both_paths(api, both_paths):
    # Given a listing of the platform, with text that JSON escapes
    listing = ListingFactory.create(partner=api.partner, url="https://tokopedia.example/kursus?a=1&b=\u2028")

    # When it is read by id through DRF and through the lean path
    old, new, lean = both_paths(lambda: api.get(f"/api/v1/listings/{listing.pk}/"))

    # Then the lean path served it, with DRF's answer byte for byte
    assert lean
    assert old.status_code == 200
    assert_same(old, new)
    assert new["Content-Type"] == "application/json"
    assert new["Allow"] == "GET, PATCH, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json"],
)
def test_the_usual_accept_headers_take_the_lean_path(api, both_paths, accept):
    listing = ListingFactory.create(partner=api.partner)
    headers = {"Accept": accept} if accept else {}
    old, new, lean = both_paths(lambda: api.get(f"/api/v1/listings/{listing.pk}/", headers=headers))
    assert lean
    assert old.status_code == 200
    assert_same(old, new)


def test_another_platforms_or_an_unknown_listing_is_the_same_404(api, both_paths):
    theirs = ListingFactory.create(partner=PartnerFactory.create())
    for path in (f"/api/v1/listings/{theirs.pk}/", "/api/v1/listings/999999999/"):
        old, new, lean = both_paths(lambda path=path: api.get(path))
        assert lean
        assert (old.status_code, old.json()["code"]) == (404, "listing_not_found")
        assert_same(old, new)


@pytest.mark.parametrize(
    ("spelling", "lean"),
    [
        ("abc", False),
        ("0", True),
        ("00{pk}", True),  # int() reads it as the id, as the ORM's lookup does
        (" {pk}", False),
        ("{pk}_0", False),
        ("-{pk}", False),
        ("\u0661", False),  # an Arabic-Indic digit: a digit to int(), never to the lean path
        ("9" * 18, True),
        ("9" * 19, False),
        ("99999999999999999999999", False),
    ],
)
def test_every_spelling_of_an_id_answers_as_drf_does_never_a_500(api, both_paths, spelling, lean):
    listing = ListingFactory.create(partner=api.partner)
    path = "/api/v1/listings/" + quote(spelling.format(pk=listing.pk)) + "/"
    old, new, served_lean = both_paths(lambda: api.get(path))
    assert served_lean is lean
    assert old.status_code in (200, 404)
    assert_same(old, new)


def test_unsigned_or_wrongly_signed_requests_are_the_same_refusals(api, both_paths):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    now = str(int(time.time() * 1000))
    key = {"HTTP_AUTHORIZATION": f"Api-Key {api.key}"}
    cases: list[tuple[str, dict[str, str]]] = [
        ("invalid_api_key", {}),
        ("invalid_api_key", {"HTTP_AUTHORIZATION": "Bearer x"}),
        ("invalid_api_key", {"HTTP_AUTHORIZATION": "Api-Key nope.nope"}),
        ("invalid_api_key", {"HTTP_AUTHORIZATION": "Api-Key \x7f"}),
        ("signature_missing", key),
        ("timestamp_invalid", {**key, "HTTP_X_TIMESTAMP": "12", "HTTP_X_SIGNATURE": "ab"}),
        (
            "timestamp_out_of_window",
            {**key, "HTTP_X_TIMESTAMP": "1000000000000", "HTTP_X_SIGNATURE": "ab"},
        ),
        ("signature_invalid", {**key, "HTTP_X_TIMESTAMP": now, "HTTP_X_SIGNATURE": "zz"}),
        (
            "signature_invalid",
            {**key, "HTTP_X_TIMESTAMP": now, "HTTP_X_SIGNATURE": "0" * 64},
        ),
    ]
    for code, headers in cases:
        for language in ("id", "en"):
            old, new, lean = both_paths(
                lambda headers=headers, language=language: api.client.get(
                    path, HTTP_ACCEPT_LANGUAGE=language, **headers
                )
            )
            assert lean
            assert (old.status_code, old.json()["code"]) == (401, code)
            assert old["WWW-Authenticate"] == "Api-Key"
            assert_same(old, new)


def test_a_replayed_request_is_refused_on_both_paths(api, both_paths):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    signed: list[tuple[str, str]] = []

    def replay() -> Any:
        # A fresh request, then the same bytes again
        stamp = str(int(time.time() * 1000) + len(signed))
        signature = sign(secret=api.secret, method="GET", path=path, timestamp=stamp, body=b"")
        signed.append((stamp, signature))
        assert api.get(path, timestamp=int(stamp), signature=signature).status_code == 200
        return api.get(path, timestamp=int(stamp), signature=signature)

    old, new, lean = both_paths(replay)
    assert lean
    assert (old.status_code, old.json()["code"]) == (401, "signature_replayed")
    assert_same(old, new)


def test_a_platform_declined_elsewhere_is_refused_on_both_paths(api, both_paths):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    assert api.get(path).status_code == 200  # the key is cached in this process
    type(api.partner).objects.filter(pk=api.partner.pk).update(status=PartnerStatus.DECLINED)
    another_process_changed_keys()
    old, new, lean = both_paths(lambda: api.get(path))
    assert (lean, old.status_code, old.json()["code"]) == (True, 401, "partner_not_allowed")
    assert_same(old, new)


def test_a_key_revoked_elsewhere_is_refused_on_both_paths(api, both_paths):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    assert api.get(path).status_code == 200
    PartnerAPIKey.objects.filter(partner=api.partner).update(revoked=True)
    another_process_changed_keys()
    old, new, lean = both_paths(lambda: api.get(path))
    assert (lean, old.status_code, old.json()["code"]) == (True, 401, "invalid_api_key")
    assert_same(old, new)


def test_a_suspended_platform_still_reads_its_listing_on_both_paths(api, both_paths):
    # A suspended platform finishes its purchases in flight: it keeps reading (API_STATUSES)
    listing = ListingFactory.create(partner=api.partner)
    type(api.partner).objects.filter(pk=api.partner.pk).update(status=PartnerStatus.SUSPENDED)
    another_process_changed_keys()
    old, new, lean = both_paths(lambda: api.get(f"/api/v1/listings/{listing.pk}/"))
    assert (lean, old.status_code) == (True, 200)
    assert_same(old, new)


@pytest.fixture
def one_request_a_minute(monkeypatch) -> None:
    monkeypatch.setattr(PartnerRateThrottle, "THROTTLE_RATES", {"partner": "1/min"})
    cache.clear()


def test_a_throttled_request_is_the_same_429(api, both_paths, one_request_a_minute):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    assert api.get(path).status_code == 200
    old, new, lean = both_paths(lambda: api.get(path))
    assert lean
    assert (old.status_code, old.json()["code"]) == (429, "throttled")
    assert old.has_header("Retry-After")
    # The seconds to wait may tick between the two requests
    assert_same(old, new, normalise=lambda text: re.sub(r"\d+", "N", text))


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {"Accept": "text/html"}),
        ("", {"Accept": "application/json; indent=4"}),
        ("", {"Accept": ""}),
        ("?format=json", {}),
        ("?format=xml", {}),
        ("?q=1", {"Accept-Language": "en"}),
    ],
)
def test_unusual_requests_are_served_by_drf_itself(api, both_paths, query, headers):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/{query}"
    old, new, lean = both_paths(lambda: api.get(path, headers=headers))
    assert lean is (query == "?q=1")
    assert_same(old, new)


def test_other_methods_on_a_listing_are_drfs(api, drf_dispatches):
    listing = ListingFactory.create(partner=api.partner)
    path = f"/api/v1/listings/{listing.pk}/"
    assert api.call("PATCH", path, {"price": listing.price}).status_code == 200
    assert api.call("DELETE", path).status_code == 405
    assert api.call("HEAD", path).status_code == 200
    assert drf_dispatches == [path, path, path]


def test_the_lean_path_reads_the_listing_in_one_prepared_statement(api):
    # Given a platform whose key this process has read
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200

    # When it reads its listing
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200

    # Then the listing is one statement with a fixed column list, scoped to the platform (the
    # other is the request log row, written at once in the test settings)
    read, logged = (query["sql"] for query in queries)
    assert read == (
        'SELECT "id", "course_id", "sku", "price", "is_active", "awaiting_approval", "url", "created_at", '  # noqa: S608
        '"affiliated", "withheld_for_disclosure" FROM "partners_listing" '
        f'WHERE "id" = {listing.pk} AND "partner_id" = {api.partner.pk}'
    )
    assert logged.startswith('INSERT INTO "partners_apirequestlog"')
