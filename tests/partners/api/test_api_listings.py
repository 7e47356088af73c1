"""The catalogue and the platform's own listings through the API; key rotation."""

import pytest

from partners.models import Listing, PartnerAPIKey
from partners.platforms.services.api_keys import api_key_issue, api_key_revoke
from prakerja.core.actor import Actor
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


NEW_COURSE = {
    "title": "Dasar Pemasaran Digital untuk UMKM",
    "description": "Belajar memasarkan produk warung dan UMKM di media sosial.",
    "learning_outcomes": "Peserta mampu membuat rencana konten dan iklan sederhana.",
    "method": "self_paced",
    "total_hours": "16.0",
    "price": 300_000,
    "outside_price": 350_000,
    "trainer_name": "Rina Kusuma",
    "trainer_profile": "Praktisi pemasaran digital 8 tahun.",
    # two sessions, a practice task in the second; at least 16 hours from start to completion
    "session_plan": [False, True],
    "min_duration_hours": 16,
}


def test_a_platform_submits_a_new_course_whose_listing_opens_on_approval(api, django_capture_on_commit_callbacks):
    from courses.models import Course
    from courses.services.curation import course_approve, course_review_start
    from partners.models import WebhookEvent
    from partners.webhooks.services.webhooks import webhook_endpoint_create
    from tests.factories import CategoryFactory, InstitutionFactory, StaffUserFactory

    # Given a platform working with an institution, with a webhook endpoint
    institution = InstitutionFactory.create()
    api.partner.institutions.add(institution)
    category = CategoryFactory.create()
    webhook_endpoint_create(partner=api.partner, url="https://platform.example.id/hook", actor=Actor.system("t"))
    body = {"new_course": {**NEW_COURSE, "institution": institution.pk, "category": category.slug}}
    # When it submits the course with its listing
    created = api.post("/api/v1/listings/", {**body, "sku": "UMKM-1", "price": 290_000})
    # Then the course waits for curators and the listing is inactive
    assert created.status_code == 201, created.json()
    assert (created.json()["is_active"], created.json()["awaiting_approval"]) == (False, True)
    course = Course.objects.get(title=NEW_COURSE["title"])
    assert course.status == "submitted"
    # When a curator approves it
    curator = StaffUserFactory.create()
    course_review_start(course=course, actor=Actor.for_user(curator))
    with django_capture_on_commit_callbacks():
        course_approve(course=course, actor=Actor.for_user(curator))
    # Then the listing is on sale and the platform is told
    listing = Listing.objects.get(pk=created.json()["id"])
    assert (listing.is_active, listing.awaiting_approval) == (True, False)
    assert WebhookEvent.objects.filter(type="listing.approved", partner=api.partner).exists()


def test_a_platform_cannot_submit_for_an_institution_it_does_not_work_with(api):
    from tests.factories import CategoryFactory, InstitutionFactory

    body = {
        "new_course": {
            **NEW_COURSE,
            "institution": InstitutionFactory.create().pk,
            "category": CategoryFactory.create().slug,
        }
    }
    refused = api.post("/api/v1/listings/", {**body, "sku": "X", "price": 100_000})
    assert (refused.status_code, refused.json()["code"]) == (422, "listing_refused")


def test_a_listing_sku_changes_unless_taken(api):
    first = ListingFactory.create(partner=api.partner, sku="A-1")
    ListingFactory.create(partner=api.partner, sku="B-1")
    changed = api.call("PATCH", f"/api/v1/listings/{first.pk}/", {"sku": "A-2"})
    assert changed.json()["sku"] == "A-2"
    taken = api.call("PATCH", f"/api/v1/listings/{first.pk}/", {"sku": "B-1"})
    assert (taken.status_code, taken.json()["code"]) == (422, "listing_refused")
