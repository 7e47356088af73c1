"""The catalogue and the platform's own listings through the API; key rotation."""

import pytest

from partners.models import Listing, PartnerAPIKey
from partners.services.api_keys import api_key_issue, api_key_revoke
from prakerja.audit.services import Actor
from tests.factories import CourseFactory, ListingFactory, PartnerFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def test_the_catalogue_lists_only_approved_courses(api):
    approved = CourseFactory.create(title="Barista Kopi")
    CourseFactory.create(title="Masih Draf", status="draft")
    page = api.get("/api/v1/catalog/courses/?q=kopi").json()
    assert [course["code"] for course in page["results"]] == [approved.code]
    assert api.get("/api/v1/catalog/courses/").json()["results"][0]["code"] == approved.code


def test_a_platform_lists_a_course_and_changes_its_price(api):
    course = CourseFactory.create(price=400_000, outside_price=450_000)
    created = api.post("/api/v1/listings/", {"course": course.pk, "sku": "KOPI-01", "price": 380_000})
    assert created.status_code == 201, created.json()
    listing_id = created.json()["id"]
    too_dear = api.call("PATCH", f"/api/v1/listings/{listing_id}/", {"price": 500_000})
    assert (too_dear.status_code, too_dear.json()["code"]) == (422, "listing_refused")
    cheaper = api.call("PATCH", f"/api/v1/listings/{listing_id}/", {"price": 350_000, "is_active": False})
    assert cheaper.json()["price"] == 350_000
    assert cheaper.json()["is_active"] is False
    twice = api.post("/api/v1/listings/", {"course": course.pk, "sku": "KOPI-02", "price": 380_000})
    assert twice.status_code == 422


def test_listings_are_private_to_their_platform(api):
    mine = ListingFactory.create(partner=api.partner)
    theirs = ListingFactory.create()
    assert [row["id"] for row in api.get("/api/v1/listings/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/listings/{theirs.pk}/").status_code == 404
    assert api.call("PATCH", f"/api/v1/listings/{theirs.pk}/", {"price": 1}).status_code == 404
    assert Listing.objects.get(pk=theirs.pk).price == theirs.price


def test_keys_rotate_without_downtime_and_a_revoked_key_stops_working(api):
    second = api_key_issue(partner=api.partner, name="rotation", actor=Actor.system("tests"))
    new = SignedClient(api.partner, second.key, second.signing_secret, api.client)
    assert api.get("/api/v1/listings/").status_code == 200
    assert new.get("/api/v1/listings/").status_code == 200
    old_key = PartnerAPIKey.objects.get(partner=api.partner, name="tests")
    api_key_revoke(api_key=old_key, actor=Actor.system("tests"))
    refused = api.get("/api/v1/listings/")
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_api_key")
    assert new.get("/api/v1/listings/").status_code == 200
    # a key's secret does not sign for another key
    mixed = SignedClient(api.partner, second.key, "bukan-rahasia-ini", api.client)
    assert mixed.get("/api/v1/listings/").json()["code"] == "signature_invalid"
