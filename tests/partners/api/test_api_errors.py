"""The partner API's errors: one shape ({"detail", "code"}, `errors` an object) for every
refusal, a code for every 404 (unknown, malformed or another platform's id, unknown path),
and `detail` in Indonesian unless the request asks for English."""

import uuid

import pytest
from django.test import Client

from partners.api.errors import ERROR_CODES
from tests.factories import CourseFactory, ListingFactory, PartnerFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert set(body) <= {"detail", "code", "errors"}
    assert ERROR_CODES[code] == status
    return body


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/purchases/{uuid}/", "purchase_not_found"),
        ("/api/v1/purchases/not-a-uuid/", "purchase_not_found"),
        ("/api/v1/purchases/{uuid}/confirm/", "purchase_not_found"),
        ("/api/v1/listings/999999/", "listing_not_found"),
        ("/api/v1/listings/abc/", "listing_not_found"),
        ("/api/v1/listings/99999999999999999999999/", "listing_not_found"),
        ("/api/v1/catalog/courses/999999/", "course_not_found"),
        ("/api/v1/catalog/courses/x.y/", "course_not_found"),
        ("/api/v1/sandbox/purchases/nope/confirm/", "purchase_not_found"),
        ("/api/v1/no-such-thing/", "not_found"),
    ],
)
def test_every_404_is_json_with_a_code(api, path: str, code: str) -> None:
    # Given an unknown, malformed or unrouted id
    path = path.format(uuid=uuid.uuid4())
    # When the platform asks for it (POST for actions)
    response = api.post(path, {"otp": "123456"}) if path.endswith("confirm/") else api.get(path)
    # Then the answer is the API's error body with the documented code
    assert_error(response, 404, code)


def test_another_platforms_ids_are_not_found(api) -> None:
    # Given a listing of another platform
    theirs = ListingFactory.create(partner=PartnerFactory.create())
    # When this platform asks for it
    # Then it does not exist for this platform
    assert_error(api.get(f"/api/v1/listings/{theirs.pk}/"), 404, "listing_not_found")


def test_a_missing_or_unknown_key_is_invalid_api_key() -> None:
    # Given no key, a wrong scheme, an unknown key
    # When the platform calls
    # Then the code is the documented one
    assert_error(Client().get("/api/v1/purchases/"), 401, "invalid_api_key")
    assert_error(Client().get("/api/v1/purchases/", headers={"Authorization": "Bearer x"}), 401, "invalid_api_key")
    assert_error(
        Client().get("/api/v1/purchases/", headers={"Authorization": "Api-Key nope.nope"}), 401, "invalid_api_key"
    )


def test_errors_per_field_are_an_object_and_a_refused_listing_has_the_same_shape(api) -> None:
    # Given a listing priced above the course's price on Prakerja
    course = CourseFactory.create(price=500_000, outside_price=600_000)
    # When the platform lists it
    refused = api.post("/api/v1/listings/", {"course": course.pk, "sku": "A-1", "price": 900_000})
    # Then the curation's reasons are an object like field errors
    body = assert_error(refused, 422, "listing_refused")
    assert isinstance(body["errors"]["non_field_errors"], list)
    assert body["errors"]["non_field_errors"]
    # And invalid fields are named per field
    invalid = assert_error(api.post("/api/v1/listings/", {"course": course.pk, "price": -5}), 400, "invalid")
    assert set(invalid["errors"]) >= {"sku", "price"}


def test_details_are_indonesian_by_default_and_english_on_request(api) -> None:
    # Given a request with invalid fields and one for an unknown purchase
    # When sent without Accept-Language
    invalid = api.post("/api/v1/purchases/", {"listing": "x"}).json()
    missing = api.get(f"/api/v1/purchases/{uuid.uuid4()}/").json()
    unsigned = Client().get("/api/v1/purchases/").json()
    # Then every sentence is Indonesian, field errors included
    assert invalid["detail"] == "Permintaan berisi isian yang tidak valid."
    assert invalid["errors"]["card_number"] == ["Bidang ini harus diisi."]
    assert invalid["errors"]["listing"] == ["Nilai bidang ini harus berupa bilangan bulat."]
    assert missing["detail"] == "Tidak ditemukan."
    assert unsigned["detail"] == "Kunci API tidak ada, tidak valid, dicabut, atau kedaluwarsa."
    # When the same requests ask for English
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    invalid = api.post("/api/v1/purchases/", {"listing": "x"})
    # Then every sentence is English, and the answer says so
    assert invalid["Content-Language"] == "en"
    assert invalid.json()["detail"] == "The request has invalid fields."
    assert invalid.json()["errors"]["card_number"] == ["This field is required."]
    assert api.get(f"/api/v1/purchases/{uuid.uuid4()}/").json()["detail"] == "Not found."


def test_every_answer_tells_the_rate_limit(api) -> None:
    # When the platform makes a request
    response = api.get("/api/v1/purchases/")
    # Then the limit, what is left and when the window resets are in the headers
    assert int(response["RateLimit-Limit"]) > 0
    assert 0 <= int(response["RateLimit-Remaining"]) < int(response["RateLimit-Limit"])
    assert 0 < int(response["RateLimit-Reset"]) <= 61
