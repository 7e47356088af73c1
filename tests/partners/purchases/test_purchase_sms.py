"""The participant's purchase SMS says what they approve: the course, the platform, the amount
and how long the code is valid (in Indonesian, whatever language the platform asked for)."""

import pytest

from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.api import SignedClient, buyer

pytestmark = pytest.mark.django_db


def test_the_purchase_code_sms_names_the_course_the_platform_and_the_amount(
    participant_card, django_capture_on_commit_callbacks
) -> None:
    # Given a platform that talks English to the API and a listing at Rp1.250.000
    api = SignedClient.for_partner(PartnerFactory.create(name="BelajarKu"))
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    listing = ListingFactory.create(
        partner=api.partner,
        course__title="Digital Marketing untuk UMKM",
        course__price=1_250_000,
        course__outside_price=1_500_000,
    )
    # When it proposes a purchase
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        )
    run_after_commit_tasks(callbacks)
    assert response.status_code == 201, response.json()
    # Then the participant's SMS, in Indonesian, tells what the code approves and for how long
    sms = SandboxMessage.objects.get(to=participant_card.applicant.phone, channel="sms").body
    assert '"Digital Marketing untuk UMKM"' in sms
    assert "di BelajarKu" in sms
    assert "Rp1.250.000" in sms
    assert "Berlaku 15 menit" in sms
    assert "JANGAN berikan kode ini" in sms
