"""The scripted integration check: an onboarding platform makes a test purchase in the sandbox
API (signed), confirms it with the sandbox code, completes it and receives the signed webhook;
then a partner manager makes it active. No card and no money are involved."""

import pytest
from django.test import Client

from partners.models import (
    ApiRequestLog,
    IntegrationCheck,
    Partner,
    PartnerStatus,
    Purchase,
    StatusChange,
)
from partners.onboarding.services.integration_check import integration_check_passed
from partners.webhooks.services.webhooks import webhook_endpoint_create
from prakerja.core.actor import Actor
from prakerja.ledger.models import Posting
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.api import SignedClient

pytestmark = pytest.mark.django_db


def activate(partner: Partner, client: Client) -> str:
    response = client.post(
        "/admin/partners/partner/",
        {"action": "activate_after_check", "_selected_action": [partner.pk]},
        follow=True,
    )
    return response.content.decode()


def test_an_onboarding_platform_passes_the_sandbox_check_and_a_manager_makes_it_active(
    staff_groups, receiver, settings, django_capture_on_commit_callbacks
):
    # given a platform in onboarding with API credentials, a listing and a webhook endpoint
    settings.WEBHOOK_ALLOW_HTTP = True
    state, url = receiver
    partner = PartnerFactory.create(status=PartnerStatus.ONBOARDING)
    api = SignedClient.for_partner(partner)
    state.secret = webhook_endpoint_create(partner=partner, url=url, actor=Actor.system("tests")).secret
    listing = ListingFactory.create(partner=partner)
    manager = Client()
    manager.force_login(StaffUserFactory.create(group="partner_manager"))
    postings = Posting.objects.count()

    # then it cannot be made active before the check
    assert "belum lulus uji integrasi" in activate(partner, manager)

    # when the platform's script makes a test purchase (the sandbox returns the SMS code)
    created = api.post("/api/v1/sandbox/purchases/", {"listing": listing.pk, "platform_account_id": "akun-uji"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "awaiting_confirmation"
    # and a wrong code is refused, the right one confirms and the signed webhook is delivered
    assert api.post(f"/api/v1/sandbox/purchases/{body['id']}/confirm/", {"otp": "000000"}).status_code in (422,)
    with django_capture_on_commit_callbacks() as callbacks:
        confirmed = api.post(f"/api/v1/sandbox/purchases/{body['id']}/confirm/", {"otp": body["sandbox_otp"]})
    assert confirmed.json()["status"] == "paid"
    run_after_commit_tasks(callbacks)
    assert [event["type"] for event in state.received] == ["sandbox.purchase.confirmed"]
    # and it reports completion
    completed = api.post(f"/api/v1/sandbox/purchases/{body['id']}/complete/")
    assert completed.json()["status"] == "completed"

    # then every step has passed, without a purchase or a posting
    check = IntegrationCheck.objects.get(partner=partner)
    assert integration_check_passed(check)
    assert not Purchase.objects.exists()
    assert Posting.objects.count() == postings
    # and every request was logged against the platform, the refused one included
    codes = sorted(ApiRequestLog.objects.filter(partner=partner).values_list("status_code", flat=True))
    assert codes == [200, 200, 201, 422]

    # when the partner manager confirms
    page = activate(partner, manager)

    # then the platform is active, with the reason in its history
    assert "sudah aktif" in page
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE
    assert "Uji integrasi lulus" in StatusChange.objects.filter(partner=partner).latest("changed_at").reason
    check.refresh_from_db()
    assert check.activated_at is not None


def test_a_check_is_not_passed_until_the_webhook_arrives(staff_groups):
    # given an onboarding platform without a webhook endpoint that went through the purchase steps
    partner = PartnerFactory.create(status=PartnerStatus.ONBOARDING)
    api = SignedClient.for_partner(partner)
    listing = ListingFactory.create(partner=partner)
    body = api.post("/api/v1/sandbox/purchases/", {"listing": listing.pk, "platform_account_id": "akun-uji"}).json()
    api.post(f"/api/v1/sandbox/purchases/{body['id']}/confirm/", {"otp": body["sandbox_otp"]})
    api.post(f"/api/v1/sandbox/purchases/{body['id']}/complete/")

    # then the check has not passed: no signed webhook was received
    assert not integration_check_passed(IntegrationCheck.objects.get(partner=partner))


def test_the_sandbox_is_closed_to_a_terminated_platform_and_to_other_platforms_listings():
    # given a terminated platform and an active one
    terminated = SignedClient.for_partner(PartnerFactory.create(status=PartnerStatus.TERMINATED))
    other = ListingFactory.create()
    active = SignedClient.for_partner(PartnerFactory.create())

    # then the terminated one may not start a check, and nobody may use another platform's listing
    refused = terminated.post("/api/v1/sandbox/purchases/", {"listing": other.pk, "platform_account_id": "akun-uji"})
    assert refused.status_code == 403
    assert (
        active.post("/api/v1/sandbox/purchases/", {"listing": other.pk, "platform_account_id": "akun-uji"}).status_code
        == 404
    )
