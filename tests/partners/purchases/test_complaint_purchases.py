"""A participant complains about a purchase: the form offers their own purchases (from the
partners layer), the complaint carries the platform, and the platform's evaluation counts it."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Complaint
from partners.models import Purchase
from tests.factories import ApplicantFactory, ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer

pytestmark = pytest.mark.django_db


def test_a_complaint_about_a_purchase_carries_its_platform(participant_card):
    # given a purchase a platform started for the participant
    api = SignedClient.for_partner(PartnerFactory.create(name="Pijar Mahir"))
    listing = ListingFactory.create(partner=api.partner, course__price=500_000, course__outside_price=600_000)
    api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )
    purchase = Purchase.objects.get()
    client = Client()
    client.force_login(participant_card.applicant.user)

    # when the participant opens the complaint form, the purchase is offered, and they file about it
    form = client.get(reverse("applicants:complaint-new")).content.decode()
    assert purchase.invoice_code in form
    client.post(
        reverse("applicants:complaint-new"),
        {"category": "purchase", "purchase_ref": str(purchase.pk), "subject": "Kelas tidak bisa dibuka", "body": "x"},
    )

    # then the complaint names the purchase and its platform
    complaint = Complaint.objects.get()
    assert complaint.purchase_ref == str(purchase.pk)
    assert complaint.platform_id == api.partner.pk


def test_another_persons_purchase_cannot_be_named(participant_card):
    # given someone else's purchase
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(partner=api.partner, course__price=500_000, course__outside_price=600_000)
    api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    )
    purchase = Purchase.objects.get()
    stranger = ApplicantFactory.create(reached="ready")
    client = Client()
    client.force_login(stranger.user)

    # when a stranger (who bought nothing) names it in a complaint
    response = client.post(
        reverse("applicants:complaint-new"),
        {"category": "purchase", "purchase_ref": str(purchase.pk), "subject": "s", "body": "b"},
    )

    # then the form never offered it, and the complaint filed names no purchase nor platform
    assert purchase.invoice_code not in client.get(reverse("applicants:complaint-new")).content.decode()
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.purchase_ref == ""
    assert complaint.platform_id is None
