"""The participant confirms a purchase on the dashboard, sees the codes and reviews the course."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseReview
from partners.models import Purchase, PurchaseStatus
from tests.conftest import run_after_commit_tasks
from tests.courses.training import training_done
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def test_the_participant_confirms_on_the_dashboard_then_reviews(participant_card, django_capture_on_commit_callbacks):
    # Given a purchase a platform started for the participant
    api = SignedClient.for_partner(PartnerFactory.create(name="Pijar Mahir"))
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
    code = sent_code(participant_card.applicant.phone)
    client = Client()
    client.force_login(participant_card.applicant.user)
    dashboard = reverse("applicants:dashboard")
    # When they see it on the dashboard and confirm with the code
    assert "menunggu konfirmasi Anda" in client.get(dashboard).content.decode()
    client.post(reverse("catalogue:purchase-confirm", args=[created["id"]]), {"otp": code})
    # Then it is paid and the redeem code is shown
    purchase = Purchase.objects.get()
    assert purchase.status == PurchaseStatus.PAID
    assert purchase.redeem_code is not None
    assert purchase.redeem_code.code in client.get(dashboard).content.decode()

    # When the training is done and reported, they review it, and the course page shows it
    training_done(purchase.redeem_code)
    api.post(
        f"/api/v1/purchases/{purchase.pk}/complete/",
        {
            "certificate_number": "S-1",
            "certificate_url": "https://pijar.example.id/s/1",
            "completed_at": timezone.now().isoformat(),
        },
    )
    assert "Sertifikat S-1" in client.get(dashboard).content.decode()
    review_url = reverse("catalogue:purchase-review", args=[purchase.pk])
    client.post(review_url, {"rating": "5", "text": "Materinya jelas dan langsung bisa saya praktikkan di warung."})
    assert CourseReview.objects.get().rating == 5
    page = client.get(reverse("catalogue:detail", args=[listing.course.code])).content.decode()
    assert "langsung bisa saya praktikkan" in page
    listing.course.refresh_from_db()
    assert (listing.course.rating_count, float(listing.course.rating_average or 0)) == (1, 5.0)


def test_another_participant_cannot_confirm_a_purchase(participant_card, django_capture_on_commit_callbacks):
    from tests.factories import ApplicantFactory

    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=500_000, course__outside_price=600_000, price=500_000
    )
    created = api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": listing.pk,
        },
    ).json()
    stranger = Client()
    stranger.force_login(ApplicantFactory.create().user)
    response = stranger.post(reverse("catalogue:purchase-confirm", args=[created["id"]]), {"otp": "123456"})
    assert response.status_code == 404
    assert Purchase.objects.get().otp_attempts == 0
