"""Webhooks: signed deliveries a receiver can verify, retries with backoff, giving up, redelivery."""

import datetime as dt

import pytest

from partners.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from partners.webhooks.services.webhooks import (
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_event_record,
    webhook_redeliver,
)
from prakerja.core.actor import Actor
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def test_a_confirmed_purchase_is_announced_with_a_verifiable_signature(
    receiver, participant_card, django_capture_on_commit_callbacks
):
    # Given a platform with a webhook endpoint
    state, url = receiver
    api = SignedClient.for_partner(PartnerFactory.create())
    state.secret = webhook_endpoint_create(partner=api.partner, url=url, actor=Actor.system("tests")).secret
    listing = ListingFactory.create(
        partner=api.partner, course__price=500_000, course__outside_price=600_000, price=500_000
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
    # When the purchase is confirmed, and the queued deliveries run
    with django_capture_on_commit_callbacks() as callbacks:
        api.post(f"/api/v1/purchases/{created['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    run_after_commit_tasks(callbacks)
    # Then the receiver verified the signature and got the event once
    assert state.rejected == 0
    assert [event["type"] for event in state.received] == ["purchase.confirmed"]
    assert state.received[0]["data"]["purchase"] == created["id"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    # and the delivery is counted for this platform in its evaluation
    assert WebhookDelivery.objects.get().partner_id == api.partner.pk


def test_failed_deliveries_back_off_then_give_up_after_a_day_and_can_be_sent_again(receiver):
    state, url = receiver
    partner = PartnerFactory.create()
    state.secret = webhook_endpoint_create(partner=partner, url=url, actor=Actor.system("tests")).secret
    event = webhook_event_record(partner=partner, type="purchase.completed", payload={"purchase": "x"})
    assert event is not None
    delivery = WebhookDelivery.objects.get()
    # When the platform answers 503 every time
    state.fail_next = 10_000
    now = event.created_at
    waits = []
    while (wait := webhook_delivery_attempt(delivery_id=delivery.pk, now=now)) is not None:
        waits.append(wait)
        now += wait
    # Then the waits double from 30 seconds up to 6 hours, and it gives up within a day
    assert waits[:4] == [dt.timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == dt.timedelta(hours=6)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(waits) + 1
    assert delivery.last_status_code == 503, delivery.last_error
    assert now - event.created_at <= dt.timedelta(hours=24)
    # When PMO staff redeliver after the platform fixed its endpoint, it arrives
    state.fail_next = 0
    webhook_redeliver(delivery=delivery, actor=Actor.system("tests"))
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(state.received) == 1


def test_a_delivery_is_not_sent_twice_at_once(receiver):
    state, url = receiver
    partner = PartnerFactory.create()
    state.secret = webhook_endpoint_create(partner=partner, url=url, actor=Actor.system("tests")).secret
    webhook_event_record(partner=partner, type="purchase.cancelled", payload={})
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None  # already delivered: nothing sent
    assert len(state.received) == 1
    assert WebhookEvent.objects.count() == 1
