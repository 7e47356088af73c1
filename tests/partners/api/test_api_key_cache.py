"""Keys and platforms are read once per server process and reused: a revocation or a
suspension made by another process is still honoured on the next request (the keys' version in
Redis, read in the same round trip as the replay guard), and what bumps nothing at most
KEY_CACHE_SECONDS later. The signed GET's queries and Redis round trips are pinned, and the request
log is written in batches."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.api import authentication
from partners.api.services import api_log
from partners.models import ApiRequestLog, PartnerAPIKey, PartnerStatus
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def another_process_changed_keys() -> None:
    """What api_keys_changed does in another server process: this one's memory is not cleared."""
    key = cache.make_and_validate_key(authentication.KEYS_VERSION)
    cache._cache.get_client(write=True).incr(key)  # type: ignore[attr-defined]


def test_a_key_revoked_by_another_process_is_refused_on_the_next_request(api):
    # Given a key this process has read and used
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200

    # When another process revokes it (and bumps the keys' version)
    PartnerAPIKey.objects.filter(partner=api.partner).update(revoked=True)
    another_process_changed_keys()

    # Then the next request here is refused
    refused = api.get(f"/api/v1/listings/{listing.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_api_key")


def test_a_platform_suspended_elsewhere_loses_access_at_once(api):
    # Given a platform whose key this process has cached
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200

    # When another process ends its partnership
    type(api.partner).objects.filter(pk=api.partner.pk).update(status=PartnerStatus.DECLINED)
    another_process_changed_keys()

    # Then it is refused here too
    refused = api.get(f"/api/v1/listings/{listing.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (401, "partner_not_allowed")


def test_a_revocation_that_bumps_nothing_is_honoured_after_the_cache_time(api, monkeypatch):
    # Given a cached key, revoked by a bulk update that sends no signal and bumps no version
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    PartnerAPIKey.objects.filter(partner=api.partner).update(revoked=True)

    # When the cache time has passed
    monkeypatch.setattr(authentication, "KEY_CACHE_SECONDS", 0)

    # Then the key is refused
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 401


def test_a_signed_get_makes_two_queries_and_one_redis_round_trip(api, monkeypatch):
    # Given a platform whose key this process has read (and marked used this minute)
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    round_trips = []
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for name in ("execute_command",):
        original = getattr(type(client), name)

        def counted(self, *args, _original=original, **kwargs):
            round_trips.append(args[0])
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(type(client), name, counted)
    pipelines = []
    original_execute = type(client.pipeline()).execute

    def pipeline_execute(self, *args, **kwargs):
        pipelines.append(len(self.command_stack))
        return original_execute(self, *args, **kwargs)

    monkeypatch.setattr(type(client.pipeline()), "execute", pipeline_execute)

    # When it reads its listing
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/listings/{listing.pk}/")

    # Then: the listing, the request log row; Redis: one pipeline (replay guard, keys'
    # version, throttle counter and expiry, last-used mark) and nothing else
    assert response.status_code == 200
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert (pipelines, [c for c in round_trips if c not in ("MULTI", "EXEC")]) == ([5], [])


@pytest.fixture
def batched_log(settings):
    settings.API_LOG_BUFFER_ROWS = 3
    settings.API_LOG_FLUSH_SECONDS = 3600
    yield
    api_log.api_request_log_flush()


def test_the_request_log_is_written_in_batches_and_when_the_process_exits(api, batched_log):
    # Given a server process that keeps up to three rows before writing them
    listing = ListingFactory.create(partner=api.partner)

    # When the platform makes two requests, the log is not written yet; on the third, all three
    for _ in range(2):
        assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    assert ApiRequestLog.objects.filter(partner_id=api.partner.pk).count() == 0
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    assert ApiRequestLog.objects.filter(partner_id=api.partner.pk).count() == 3

    # And a row still in the buffer is written when the process exits (atexit)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    api_log.api_request_log_flush()
    assert ApiRequestLog.objects.filter(partner_id=api.partner.pk).count() == 4


def test_a_buffered_row_older_than_the_flush_time_is_written_with_the_next_request(api, batched_log, settings):
    # Given one request logged in the buffer
    listing = ListingFactory.create(partner=api.partner)
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200

    # When the next request comes after the flush time
    settings.API_LOG_FLUSH_SECONDS = 0

    # Then both rows are written
    assert api.get(f"/api/v1/listings/{listing.pk}/").status_code == 200
    assert ApiRequestLog.objects.filter(partner_id=api.partner.pk).count() == 2


def test_a_listing_read_by_id_shows_what_the_listing_serializer_shows(api):
    # Given a listing of the platform
    listing = ListingFactory.create(partner=api.partner, url="https://tokopedia.example/kursus")

    # When the platform reads it by id
    response = api.get(f"/api/v1/listings/{listing.pk}/")

    # Then the answer is the serializer's representation, key for key
    from partners.api.serializers import ListingSerializer

    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(ListingSerializer(listing).data))
