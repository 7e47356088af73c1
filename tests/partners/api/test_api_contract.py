"""The partner API's contract, checked against the running server (real gunicorn, real
signing): a scripted integration, as a platform's engineer would write it from
docs/partner-api.md, makes the server give every documented answer (every error code of
`ERROR_CODES` included) and validates each against the OpenAPI schema with Schemathesis's
response checks: the status is documented for the operation, the body matches its schema
(the error's `code` is one of those listed for that status), the RateLimit-* and
Idempotent-Replayed headers are there. The docs' error table and the catalogue are compared
too, so docs, schema and behaviour cannot drift apart."""

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from applicants.models import CardStatus, OtpPurpose, SchemeDeadline
from applicants.registration.services.otp import detached_code
from applicants.waves.services.deadlines import card_programme_year
from courses.models import RedeemCode, RedeemCodeStatus
from partners.api.errors import ERROR_CODES
from partners.api.signing import sign
from partners.models import IntegrationCheck, PartnerStatus, Purchase, WebhookDelivery
from partners.platforms.services.api_keys import api_key_issue
from partners.webhooks.services.webhooks import webhook_delivery_attempt
from prakerja.core.actor import Actor
from tests.courses.training import finished, training_done
from tests.factories import CourseFactory, ListingFactory, PartnerFactory, ScheduleFactory
from tests.partners.api import buyer
from tests.partners.conftest import new_participant_card
from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.server, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DICT = SchemaGenerator().get_schema(request=None, public=True)
SCHEMA = schemathesis.openapi.from_dict(SCHEMA_DICT)
# Answered outside any documented operation (an unknown path, a method a path does not have).
OUTSIDE_OPERATIONS = {"not_found", "method_not_allowed"}
PURCHASES, PURCHASE = "/api/v1/purchases/", "/api/v1/purchases/{id}/"
CONFIRM, CANCEL, COMPLETE = f"{PURCHASE}confirm/", f"{PURCHASE}cancel/", f"{PURCHASE}complete/"
CATALOG = "/api/v1/catalog/courses/"
LISTINGS, LISTING = "/api/v1/listings/", "/api/v1/listings/{id}/"
ENDPOINTS, ENDPOINT = "/api/v1/webhooks/endpoints/", "/api/v1/webhooks/endpoints/{id}/"
DELIVERIES, DELIVERY = "/api/v1/webhooks/deliveries/", "/api/v1/webhooks/deliveries/{id}/"
SANDBOX = "/api/v1/sandbox/purchases/"
SANDBOX_CONFIRM, SANDBOX_COMPLETE = f"{SANDBOX}{{id}}/confirm/", f"{SANDBOX}{{id}}/complete/"


class Platform:
    """A platform's client: every request signed as docs/partner-api.md says."""

    def __init__(self, base: str, partner: Any, answers: list[tuple[str, str, requests.Response]]) -> None:
        issued = api_key_issue(partner=partner, name="contract", actor=Actor.system("tests"))
        self.base, self.partner, self.key, self.secret = base, partner, issued.key, issued.signing_secret
        self.answers = answers
        self.last = 0

    def stamp(self) -> str:
        self.last = max(time.time_ns() // 1_000_000, self.last + 1)
        return str(self.last)

    def call(
        self,
        method: str,
        template: str,
        path: str | None = None,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        timestamp: str | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> requests.Response:
        path = path or template
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        stamp = timestamp or self.stamp()
        sent = {"Content-Type": "application/json"}
        if not unsigned:
            sent |= {
                "Authorization": f"Api-Key {self.key}",
                "X-Timestamp": stamp,
                "X-Signature": signature
                or sign(secret=self.secret, method=method, path=path, timestamp=stamp, body=data),
            }
        if method == "POST":
            sent["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        sent |= headers or {}
        response = requests.request(method, self.base + path, data=data, headers=sent, timeout=30)
        self.answers.append((method, template, response))
        return response

    def get(self, template: str, path: str | None = None, **kwargs: Any) -> requests.Response:
        return self.call("GET", template, path, **kwargs)

    def post(self, template: str, path: str | None = None, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", template, path, body if body is not None else {}, **kwargs)


def code_of(response: requests.Response) -> str | None:
    try:
        return response.json().get("code") if response.status_code >= 400 else None
    except ValueError:
        return None


def known_otp(purchase_id: str) -> str:
    """The participant's SMS is queued for a worker this test does not run: set a known code."""
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.filter(pk=purchase_id).update(otp_hash=code_hash)
    return code


@pytest.fixture
def servers(transactional_db: None) -> Iterator[tuple[str, str]]:
    env = database_env()
    with (
        gunicorn(env={**env, "PARTNER_API_THROTTLE": "100000/min"}, workers=2) as base,
        gunicorn(env={**env, "PARTNER_API_THROTTLE": "2/min"}, workers=1) as strict,
    ):
        yield base, strict


def test_every_documented_answer_comes_from_the_running_server_as_the_schema_says(
    servers, participant_card, receiver
) -> None:
    base, strict = servers
    state, receiver_url = receiver
    answers: list[tuple[str, str, requests.Response]] = []
    # Given an active platform with listings, a suspended one, one never admitted, one onboarding
    api = Platform(base, PartnerFactory.create(), answers)
    suspended = Platform(base, PartnerFactory.create(status=PartnerStatus.SUSPENDED), answers)
    outsider = Platform(base, PartnerFactory.create(status=PartnerStatus.DECLINED), answers)
    onboarding = Platform(base, PartnerFactory.create(status=PartnerStatus.ONBOARDING), answers)
    listing = ListingFactory.create(partner=api.partner, course__price=1_000_000, course__outside_price=1_100_000)
    dear = [
        ListingFactory.create(partner=api.partner, course__price=2_000_000, course__outside_price=2_100_000)
        for _ in range(2)
    ]
    too_dear = ListingFactory.create(partner=api.partner, course__price=4_000_000, course__outside_price=4_100_000)
    off_sale = ListingFactory.create(partner=api.partner, is_active=False)
    schedule = ScheduleFactory.create(course__method="offline", location="BLK Bekasi")
    webinar = ListingFactory.create(partner=api.partner, course=schedule.course)
    unlisted = CourseFactory.create(price=800_000, outside_price=900_000)
    sandbox_listing = ListingFactory.create(partner=onboarding.partner)
    card = participant_card.number

    # Signing and keys
    api.get(PURCHASES, unsigned=True)  # invalid_api_key
    api.get(PURCHASES, headers={"X-Signature": ""})  # signature_missing
    api.get(PURCHASES, timestamp=f"{time.time():.3f}")  # timestamp_invalid
    api.get(PURCHASES, timestamp=str(int(time.time() * 1000) - 600_000))  # timestamp_out_of_window
    api.get(PURCHASES, signature="0" * 64)  # signature_invalid
    stamp = api.stamp()
    api.get(PURCHASES, timestamp=stamp)
    api.get(PURCHASES, timestamp=stamp)  # signature_replayed
    outsider.get(PURCHASES)  # partner_not_allowed
    api.get(PURCHASES, headers={"Accept": "text/html"})  # not_acceptable
    english = api.get(PURCHASE, f"{PURCHASES}{uuid.uuid4()}/", headers={"Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    assert english.json()["detail"] == "Not found."
    assert api.get(PURCHASE, f"{PURCHASES}{uuid.uuid4()}/").json()["detail"] == "Tidak ditemukan."

    # Catalogue and schedules
    api.get(CATALOG)
    api.get(CATALOG, f"{CATALOG}?method=nope")  # invalid
    api.get(CATALOG, f"{CATALOG}?cursor=nope")  # invalid_cursor
    api.get(f"{CATALOG}{{id}}/", f"{CATALOG}{unlisted.pk}/")
    api.get(f"{CATALOG}{{id}}/", f"{CATALOG}999999/")  # course_not_found
    schedules = api.get(f"{CATALOG}{{id}}/schedules/", f"{CATALOG}{schedule.course_id}/schedules/").json()
    assert schedules[0]["location"] == "BLK Bekasi"

    # Listings, and idempotency
    api.get(LISTINGS)
    key = str(uuid.uuid4())
    first = api.post(LISTINGS, body={"course": unlisted.pk, "sku": "C-1", "price": 800_000}, idempotency_key=key)
    replay = api.post(LISTINGS, body={"course": unlisted.pk, "sku": "C-1", "price": 800_000}, idempotency_key=key)
    assert replay.status_code == first.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    api.post(LISTINGS, body={"course": unlisted.pk, "sku": "C-2", "price": 1}, idempotency_key=key)  # reused
    api.post(LISTINGS, body={"course": unlisted.pk, "sku": "C-3", "price": 900_000})  # listing_refused
    api.post(LISTINGS, body={"sku": "C-4", "price": -1})  # invalid
    api.post(LISTINGS, raw=b'{"course": ')  # parse_error
    api.post(LISTINGS, body={"course": unlisted.pk}, headers={"Idempotency-Key": ""})  # idempotency_key_required
    api.post(LISTINGS, raw=b"course=1", headers={"Content-Type": "text/plain"})  # unsupported_media_type
    api.get(LISTING, f"{LISTINGS}{listing.pk}/")
    api.get(LISTING, f"{LISTINGS}abc/")  # listing_not_found
    api.call("PATCH", LISTING, f"{LISTINGS}{listing.pk}/", {"price": 900_000})
    api.call("PATCH", LISTING, f"{LISTINGS}{listing.pk}/", {"price": 5_000_000})  # listing_refused
    api.call("PATCH", LISTING, f"{LISTINGS}{listing.pk}/", {"price": "x"})  # invalid
    api.call("PATCH", LISTING, f"{LISTINGS}{listing.pk}/", raw=b"{")  # parse_error
    api.call("PATCH", LISTING, f"{LISTINGS}{listing.pk}/", raw=b"x", headers={"Content-Type": "text/plain"})
    api.call("PATCH", LISTING, f"{LISTINGS}999999/", {"price": 1})  # listing_not_found
    api.call("DELETE", LISTING, f"{LISTINGS}{listing.pk}/")  # method_not_allowed
    api.get("/api/v1/nothing-here/")  # not_found

    # Purchases
    api.get(PURCHASES)
    api.get(PURCHASES, f"{PURCHASES}?status=bogus")  # invalid
    api.get(PURCHASES, f"{PURCHASES}?cursor=bogus")  # invalid_cursor
    refused_key = str(uuid.uuid4())
    unknown_card = {"card_number": "5380000000000000", "platform_account_id": "akun-tak-dikenal", "listing": listing.pk}
    refused = api.post(PURCHASES, body=unknown_card, idempotency_key=refused_key)  # card_not_usable
    # A refusal is stored like a success: the same request with the same key gets it again
    refused_again = api.post(PURCHASES, body=unknown_card, idempotency_key=refused_key)
    assert (refused_again.status_code, refused_again.json()) == (refused.status_code, refused.json())
    assert refused_again.headers["Idempotent-Replayed"] == "true"
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": too_dear.pk}
    )  # insufficient_balance
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": off_sale.pk}
    )  # listing_not_on_sale
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": 999999}
    )  # listing_not_found
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": webinar.pk}
    )  # schedule_required
    api.post(
        PURCHASES,
        body={"card_number": card, "platform_account_id": buyer(card), "listing": webinar.pk, "schedule": 999999},
    )  # schedule_not_found
    api.post(
        PURCHASES,
        body={"card_number": card, "platform_account_id": buyer(card), "listing": webinar.pk, "schedule": schedule.pk},
    )
    suspended.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    )  # partner_not_active
    bought_key = str(uuid.uuid4())
    bought = api.post(
        PURCHASES,
        body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk},
        idempotency_key=bought_key,
    ).json()
    pid = bought["id"]
    api.get(PURCHASE, f"{PURCHASES}{pid}/")
    api.get(PURCHASE, f"{PURCHASES}not-a-uuid/")  # purchase_not_found
    api.post(CONFIRM, f"{PURCHASES}{pid}/confirm/", {"otp": "000000"})  # otp_invalid
    api.post(CONFIRM, f"{PURCHASES}{pid}/confirm/", {"otp": "1"})  # invalid
    api.post(CONFIRM, f"{PURCHASES}{uuid.uuid4()}/confirm/", {"otp": "000000"})  # purchase_not_found
    assert api.post(CONFIRM, f"{PURCHASES}{pid}/confirm/", {"otp": known_otp(pid)}).json()["status"] == "paid"
    # A replay is the state stored at the time, not the current one
    replayed = api.post(
        PURCHASES,
        body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk},
        idempotency_key=bought_key,
    )
    assert replayed.json() == bought
    assert replayed.json()["status"] == "awaiting_confirmation"
    api.post(CONFIRM, f"{PURCHASES}{pid}/confirm/", {"otp": "000000"})  # invalid_state
    certificate = {
        "certificate_number": "SERT-1",
        "certificate_url": "https://platform.example.id/s/1.pdf",
        "completed_at": timezone.now().isoformat(),
    }
    api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", certificate)  # training_not_started
    redeem_code_id = Purchase.objects.values_list("redeem_code_id", flat=True).get(pk=pid)
    assert redeem_code_id is not None
    RedeemCode.objects.filter(pk=redeem_code_id).update(
        status=RedeemCodeStatus.USED, used_at=timezone.now() - dt.timedelta(days=2)
    )
    api.post(CANCEL, f"{PURCHASES}{pid}/cancel/")  # training_started
    too_early = {**certificate, "completed_at": (timezone.now() - dt.timedelta(days=5)).isoformat()}
    api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", too_early)  # invalid_completion_time
    api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", {"certificate_number": "x"})  # invalid
    api.post(COMPLETE, f"{PURCHASES}{uuid.uuid4()}/complete/", certificate)  # purchase_not_found
    incomplete = api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", certificate)  # training_incomplete
    assert incomplete.json()["problems"][0]["kind"] == "session_not_attended"
    training_done(RedeemCode.objects.get(pk=redeem_code_id), started=timezone.now() - dt.timedelta(days=2))
    assert api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", certificate).json()["status"] == "completed"
    api.post(COMPLETE, f"{PURCHASES}{pid}/complete/", certificate)  # invalid_state
    # The same course bought again (through another platform, for Rp1: the balance below stays as
    # it was), completed after the last day to complete, then with the same certificate number
    other = Platform(base, PartnerFactory.create(), answers)
    again = ListingFactory.create(partner=other.partner, course=listing.course, price=1)
    second = other.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": again.pk}
    ).json()["id"]
    assert other.post(CONFIRM, f"{PURCHASES}{second}/confirm/", {"otp": known_otp(second)}).json()["status"] == "paid"
    second_code = RedeemCode.objects.get(purchase__pk=second)
    training_done(second_code, started=timezone.now() - dt.timedelta(days=2))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past = {
        "scheme_id": participant_card.scheme_id,
        "year": card_programme_year(participant_card),
        "last_purchase_on": yesterday,
        "last_completion_on": yesterday,
        "last_review_on": yesterday,
        "balance_until": yesterday,
    }
    deadline = SchemeDeadline.objects.create(**past)
    other.post(COMPLETE, f"{PURCHASES}{second}/complete/", certificate)  # completion_deadline_passed
    deadline.delete()
    other.post(COMPLETE, f"{PURCHASES}{second}/complete/", certificate)  # certificate_number_taken
    second_done = other.post(
        COMPLETE, f"{PURCHASES}{second}/complete/", {**certificate, "certificate_number": "SERT-2"}
    )
    assert second_done.json()["status"] == "completed"
    deadline = SchemeDeadline.objects.create(**past)
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    )  # purchase_deadline_passed
    deadline.delete()
    # One platform account uses one card: the card was bound to buyer(card) on this platform
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": "akun-lain", "listing": listing.pk}
    )  # platform_account_mismatch
    expiring = api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    ).json()["id"]
    Purchase.objects.filter(pk=expiring).update(otp_expires_at=timezone.now() - dt.timedelta(minutes=1))
    api.post(CONFIRM, f"{PURCHASES}{expiring}/confirm/", {"otp": "000000"})  # otp_expired
    guessed = api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    ).json()["id"]
    for _ in range(3):
        last = api.post(CONFIRM, f"{PURCHASES}{guessed}/confirm/", {"otp": "000000"})
    assert code_of(last) == "otp_attempts_exceeded"
    cancelled = api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    ).json()["id"]
    assert api.post(CANCEL, f"{PURCHASES}{cancelled}/cancel/").json()["status"] == "cancelled"
    api.post(CANCEL, f"{PURCHASES}{cancelled}/cancel/")  # invalid_state
    api.post(CANCEL, f"{PURCHASES}{uuid.uuid4()}/cancel/")  # purchase_not_found
    # Rp2,499,999 left: two Rp2,000,000 purchases are proposed; while the first is not finished
    # the second is refused (one course at a time), and once it is, the second cannot be paid
    first_dear, second_dear = (
        api.post(PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": d.pk}).json()[
            "id"
        ]
        for d in dear
    )
    api.post(CONFIRM, f"{PURCHASES}{first_dear}/confirm/", {"otp": known_otp(first_dear)})
    api.post(CONFIRM, f"{PURCHASES}{second_dear}/confirm/", {"otp": known_otp(second_dear)})  # course_in_progress
    api.post(
        PURCHASES, body={"card_number": card, "platform_account_id": buyer(card), "listing": listing.pk}
    )  # course_in_progress
    finished(first_dear)
    api.post(CONFIRM, f"{PURCHASES}{second_dear}/confirm/", {"otp": known_otp(second_dear)})  # insufficient_balance
    revoked = api.post(
        PURCHASES,
        body={"card_number": card, "platform_account_id": buyer(card), "listing": webinar.pk, "schedule": schedule.pk},
    ).json()["id"]
    type(participant_card).objects.filter(pk=participant_card.pk).update(status=CardStatus.REVOKED)
    api.post(CONFIRM, f"{PURCHASES}{revoked}/confirm/", {"otp": known_otp(revoked)})  # card_not_usable

    # Limits per card (another participant's): three purchases open at most, and five wrong
    # codes across its purchases lock its confirmations, even with the right code
    guarded = new_participant_card().number
    api.post(
        PURCHASES, body={"card_number": guarded, "platform_account_id": buyer(card), "listing": listing.pk}
    )  # platform_account_in_use
    waiting = [
        api.post(
            PURCHASES, body={"card_number": guarded, "platform_account_id": buyer(guarded), "listing": listing.pk}
        ).json()["id"]
        for _ in range(3)
    ]
    api.post(
        PURCHASES, body={"card_number": guarded, "platform_account_id": buyer(guarded), "listing": listing.pk}
    )  # card_purchase_limit
    for wrong in [*[waiting[0]] * 3, *[waiting[1]] * 2]:
        api.post(CONFIRM, f"{PURCHASES}{wrong}/confirm/", {"otp": "000000"})
    locked = api.post(CONFIRM, f"{PURCHASES}{waiting[2]}/confirm/", {"otp": known_otp(waiting[2])})
    assert code_of(locked) == "card_confirmation_locked"
    api.post(
        PURCHASES, body={"card_number": guarded, "platform_account_id": buyer(guarded), "listing": listing.pk}
    )  # card_confirmation_locked

    # Webhooks
    api.post(ENDPOINTS, body={"url": "not a url"})  # webhook_url_invalid
    endpoint = api.post(ENDPOINTS, body={"url": receiver_url}).json()
    state.secret = endpoint["secret"]
    eid = endpoint["id"]
    extra = [api.post(ENDPOINTS, body={"url": f"{receiver_url}?n={n}"}).json()["id"] for n in range(4)]
    api.post(ENDPOINTS, body={"url": receiver_url})  # webhook_endpoint_limit
    for other in extra:
        api.post(f"{ENDPOINT}disable/", f"{ENDPOINTS}{other}/disable/")
    api.get(ENDPOINTS)
    api.get(ENDPOINT, f"{ENDPOINTS}{eid}/")
    api.get(ENDPOINT, f"{ENDPOINTS}999999/")  # webhook_endpoint_not_found
    state.secret = api.post(f"{ENDPOINT}rotate-secret/", f"{ENDPOINTS}{eid}/rotate-secret/").json()["secret"]
    api.post(f"{ENDPOINT}rotate-secret/", f"{ENDPOINTS}999999/rotate-secret/")  # webhook_endpoint_not_found
    api.post(f"{ENDPOINT}disable/", f"{ENDPOINTS}{eid}/disable/")
    api.post(f"{ENDPOINT}disable/", f"{ENDPOINTS}999999/disable/")  # webhook_endpoint_not_found
    api.post(f"{ENDPOINT}enable/", f"{ENDPOINTS}{eid}/enable/")
    api.post(f"{ENDPOINT}enable/", f"{ENDPOINTS}999999/enable/")  # webhook_endpoint_not_found
    for other in extra:
        api.post(f"{ENDPOINT}enable/", f"{ENDPOINTS}{other}/enable/")
    api.post(f"{ENDPOINT}disable/", f"{ENDPOINTS}{eid}/disable/")
    sixth = api.post(ENDPOINTS, body={"url": receiver_url}).json()["id"]
    api.post(f"{ENDPOINT}enable/", f"{ENDPOINTS}{eid}/enable/")  # webhook_endpoint_limit
    for other in [*extra, sixth]:
        api.post(f"{ENDPOINT}disable/", f"{ENDPOINTS}{other}/disable/")
    api.post(f"{ENDPOINT}enable/", f"{ENDPOINTS}{eid}/enable/")
    ping = api.post(f"{ENDPOINT}ping/", f"{ENDPOINTS}{eid}/ping/").json()
    api.post(f"{ENDPOINT}ping/", f"{ENDPOINTS}999999/ping/")  # webhook_endpoint_not_found
    webhook_delivery_attempt(delivery_id=ping["id"])  # the worker's job
    assert [event["type"] for event in state.received] == ["ping"]
    api.get(DELIVERIES)
    api.get(DELIVERIES, f"{DELIVERIES}?status=nope")  # invalid
    api.get(DELIVERIES, f"{DELIVERIES}?cursor=nope")  # invalid_cursor
    assert api.get(DELIVERY, f"{DELIVERIES}{ping['id']}/").json()["status"] == "delivered"
    api.get(DELIVERY, f"{DELIVERIES}999999/")  # webhook_delivery_not_found
    api.post(f"{DELIVERY}redeliver/", f"{DELIVERIES}{ping['id']}/redeliver/")
    api.post(f"{DELIVERY}redeliver/", f"{DELIVERIES}999999/redeliver/")  # webhook_delivery_not_found

    # The sandbox check
    suspended.post(
        SANDBOX, body={"listing": sandbox_listing.pk, "platform_account_id": "akun-uji"}
    )  # partner_not_active
    onboarding.post(SANDBOX, body={"listing": 999999, "platform_account_id": "akun-uji"})  # listing_not_found
    test_purchase = onboarding.post(
        SANDBOX, body={"listing": sandbox_listing.pk, "platform_account_id": "akun-uji"}
    ).json()
    tid, otp = test_purchase["id"], test_purchase["sandbox_otp"]
    onboarding.post(SANDBOX_CONFIRM, f"{SANDBOX}{tid}/confirm/", {"otp": "000000"})  # otp_invalid
    onboarding.post(SANDBOX_CONFIRM, f"{SANDBOX}{tid}/confirm/", {"otp": otp})  # webhook_endpoint_required
    onboarding.post(SANDBOX_CONFIRM, f"{SANDBOX}{uuid.uuid4()}/confirm/", {"otp": otp})  # purchase_not_found
    state.secret = onboarding.post(ENDPOINTS, body={"url": receiver_url}).json()["secret"]
    onboarding.post(SANDBOX_CONFIRM, f"{SANDBOX}{tid}/confirm/", {"otp": otp})
    onboarding.post(SANDBOX_CONFIRM, f"{SANDBOX}{tid}/confirm/", {"otp": otp})  # invalid_state
    onboarding.post(SANDBOX_COMPLETE, f"{SANDBOX}{tid}/complete/")  # webhook_not_delivered
    check = IntegrationCheck.objects.get(pk=tid)
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(event_id=check.webhook_event_id).pk)
    assert onboarding.post(SANDBOX_COMPLETE, f"{SANDBOX}{tid}/complete/").json()["status"] == "completed"
    onboarding.post(SANDBOX_COMPLETE, f"{SANDBOX}{uuid.uuid4()}/complete/")  # purchase_not_found
    fresh = onboarding.post(SANDBOX, body={"listing": sandbox_listing.pk, "platform_account_id": "akun-uji"}).json()[
        "id"
    ]
    onboarding.post(SANDBOX_COMPLETE, f"{SANDBOX}{fresh}/complete/")  # invalid_state

    # Rate limits: on a server allowing 2 requests a minute, the third in a minute is throttled
    # (the window is the clock's minute: requests straddling its turn may need a fourth)
    api.base = strict
    for _ in range(5):
        throttled = api.get(PURCHASES)
        if code_of(throttled) == "throttled":
            break
    assert code_of(throttled) == "throttled"
    assert int(throttled.headers["Retry-After"]) > 0

    # Then every answer is documented for its operation and matches the schema
    seen: set[str] = set()
    for method, template, response in answers:
        code = code_of(response)
        if code is not None:
            body = response.json()
            assert set(body) <= {"detail", "code", "errors", "problems"}, body
            assert body["detail"]
            seen.add(code)
        if code in OUTSIDE_OPERATIONS:
            assert template not in SCHEMA_DICT["paths"] or method.lower() not in SCHEMA_DICT["paths"][template]
            continue
        operation = SCHEMA[template][method]
        documented = operation.responses.find_by_status_code(response.status_code)
        assert documented is not None, f"{method} {template}: {response.status_code} {code} is not documented"
        operation.validate_response(response)
        if response.status_code not in (401, 406):
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response.headers), template
    # And every code of the catalogue was answered by the running server
    assert set(ERROR_CODES) - seen == set()
    # And every operation of the schema was called
    called = {(method.lower(), template) for method, template, _response in answers}
    operations = {(m, path) for path, item in SCHEMA_DICT["paths"].items() for m in item}
    assert operations - called == set()


def test_the_docs_error_table_is_the_catalogue() -> None:
    # Given the error table of docs/partner-api.md
    docs = (ROOT / "docs" / "partner-api.md").read_text()
    table = docs.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", table, re.MULTILINE))
    # Then it lists every code the server answers, with its status, and no other
    assert {code: int(status) for code, status in rows.items()} == ERROR_CODES


def test_every_code_in_the_source_is_in_the_catalogue() -> None:
    # Given every error code the partner API's code can raise
    sources = [
        *(ROOT / "partners" / "api").glob("*.py"),
        *(ROOT / "partners").glob("*/services/*.py"),
    ]
    pattern = re.compile(
        r'(?:PurchaseError|WebhookError)\(\s*"([a-z_]+)"|AuthFailed\([^)]*"([a-z_]+)"\)|code="([a-z_]+)"|'
        r'_not_found\("([a-z_]+)"\)'
    )
    raised = set()
    for source in sources:
        for match in pattern.finditer(source.read_text()):
            name = next(group for group in match.groups() if group)
            raised.add(f"{name}_not_found" if match.group(4) else name)
    # Then each is in the catalogue
    assert raised - set(ERROR_CODES) == set()
