"""Platform status changes through the lifecycle service, and the events platforms receive
when a status changes or an institution commits a redeem code."""

import pytest
from django.test import Client
from django.urls import reverse

from courses.services.redemption import RedeemCodeRefused, redeem_code_commit
from partners.models import PartnerStatus, Purchase, WebhookEvent
from partners.platforms.services.lifecycle import LifecycleError, partner_status_change
from partners.webhooks.services.webhooks import webhook_endpoint_create
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def test_a_platform_moves_only_along_the_lifecycle_with_a_reason():
    partner = PartnerFactory.create(status=PartnerStatus.ACTIVE)
    webhook_endpoint_create(partner=partner, url="https://p.example.id/hook", actor=Actor.system("t"))
    partner_status_change(partner=partner, to="suspended", reason="Keluhan peserta menumpuk", actor=Actor.system("t"))
    with pytest.raises(LifecycleError):
        partner_status_change(partner=partner, to="invited", reason="x", actor=Actor.system("t"))
    with pytest.raises(LifecycleError):
        partner_status_change(partner=partner, to="active", reason=" ", actor=Actor.system("t"))
    partner.refresh_from_db()
    assert partner.status == "suspended"
    assert WebhookEvent.objects.get(type="partner.status_changed").payload["to"] == "suspended"
    assert AuditEvent.objects.filter(action="partner.status_changed").count() == 1


def test_staff_change_a_platforms_status_in_the_admin_with_a_reason(staff_groups):
    partner = PartnerFactory.create(status=PartnerStatus.ACTIVE)
    client = Client()
    client.force_login(StaffUserFactory.create(group="partner_manager"))
    url = reverse("admin:partners_partner_changelist")
    client.post(
        url,
        {
            "action": "change_status",
            "_selected_action": [partner.pk],
            "apply": "1",
            "to": "suspended",
            "reason": "Audit",
        },
    )
    partner.refresh_from_db()
    assert partner.status == "suspended"


def test_a_committed_redeem_code_tells_the_platform(participant_card, django_capture_on_commit_callbacks):
    api = SignedClient.for_partner(PartnerFactory.create())
    webhook_endpoint_create(partner=api.partner, url="https://p.example.id/hook", actor=Actor.system("t"))
    listing = ListingFactory.create(
        partner=api.partner, course__price=200_000, course__outside_price=250_000, price=200_000
    )
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    api.post(f"/api/v1/purchases/{created['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    code = Purchase.objects.get().redeem_code
    assert code is not None
    with pytest.raises(RedeemCodeRefused) as elsewhere:
        redeem_code_commit(code=code.code, institution_id=code.institution_id + 1000)
    assert elsewhere.value.reason == "other_institution"
    redeem_code_commit(code=code.code.lower(), institution_id=code.institution_id)
    with pytest.raises(RedeemCodeRefused) as twice:
        redeem_code_commit(code=code.code, institution_id=code.institution_id)
    assert twice.value.reason == "already_used"
    event = WebhookEvent.objects.get(type="purchase.redeemed")
    assert event.payload["status"] == "redeemed"
    assert api.get(f"/api/v1/purchases/{created['id']}/").json()["status"] == "redeemed"
    # and the purchase keeps when the training started (the evaluation's time to completion)
    code.refresh_from_db()
    assert Purchase.objects.get().started_at == code.used_at
