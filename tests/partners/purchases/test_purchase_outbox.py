"""A purchase's code survives a broker outage: before the outbox, a Redis outage at commit lost
the SMS, and the platform's idempotent replay answered 201 for a purchase whose participant
never got the code."""

import datetime as dt

import pytest
from django.utils import timezone

from partners.models import Purchase
from prakerja.messaging.models import OutboxMessage, SandboxMessage
from prakerja.messaging.services import outbox_sweep
from prakerja.messaging.tasks import sms_send
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def test_the_code_of_a_purchase_whose_task_was_lost_is_still_sent(
    participant_card, django_capture_on_commit_callbacks, monkeypatch
):
    # given a platform creating a purchase while the broker is down (its SMS task never queued)
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=api.partner, course__price=500_000, price=500_000)
    with django_capture_on_commit_callbacks():  # captured, never run: the task is lost
        created = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        )
    assert created.status_code == 201
    purchase = Purchase.objects.get()
    assert not SandboxMessage.objects.exists()
    assert OutboxMessage.objects.get().reference == f"purchase-otp:{purchase.pk}"

    # when the sweeper runs once the broker is back
    monkeypatch.setattr(sms_send, "delay", lambda **kw: sms_send.apply(kwargs=kw, throw=True))
    assert outbox_sweep(now=timezone.now() + dt.timedelta(minutes=4)) == 1

    # then the participant has the code and the platform can confirm with it
    code = sent_code(participant_card.applicant.phone)
    confirmed = api.post(f"/api/v1/purchases/{created.json()['id']}/confirm/", {"otp": code})
    assert confirmed.status_code == 200, confirmed.json()
    assert SandboxMessage.objects.count() == 1
