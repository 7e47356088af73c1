"""The holder-name oracle (issue 18, item 6): a participant types other people's account numbers
into "link a payout account"; each try is a paid inquiry to the provider, and the page answered
with the holder's full name whenever it was not the participant's. The page must show another
person's name only as a masked hint, and limit inquiries per participant and per address per
day, with a clear message and the typed number kept."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Card, PayoutAccount
from applicants.waves.services.selection import wave_selection_run
from prakerja.payments import sandbox
from prakerja.payments.sandbox import sandbox_account_register
from tests.applicants.wave_setups import close
from tests.factories import WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(training_fund: int, regions: None) -> Client:
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    card = Card.objects.select_related("applicant__user").get(decision_id=member.pk)
    card.applicant.full_name = "Siti Rahmawati"
    card.applicant.save(update_fields=["full_name"])
    client = Client()
    client.force_login(card.applicant.user)
    return client


@pytest.fixture
def inquiries(monkeypatch) -> list[str]:
    """The account numbers the provider was asked about."""
    asked: list[str] = []
    original = sandbox.SandboxPaymentProvider.account_inquiry

    def spy(self, *, channel, account_number):
        asked.append(account_number)
        return original(self, channel=channel, account_number=account_number)

    monkeypatch.setattr(sandbox.SandboxPaymentProvider, "account_inquiry", spy)
    return asked


def test_another_persons_full_name_is_never_shown(participant):
    # given an account the bank knows under someone else's name
    sandbox_account_register(channel="bca", number="5550001111", holder_name="Budi Santoso")

    # when the participant types its number
    response = participant.post(
        reverse("applicants:payout-account"), {"channel": "bca", "account_number": "5550001111"}
    )

    # then the page refuses it with a masked hint only
    page = response.content.decode()
    assert "B*** S******" in page
    assert "BUDI" not in page.upper().replace("B*** S******", "")
    assert "SANTOSO" not in page.upper()
    assert not PayoutAccount.objects.exists()


def test_inquiries_are_limited_per_participant_per_day(participant, inquiries, settings):
    # given a participant who already checked five account numbers today
    settings.RATELIMIT_PAYOUT_INQUIRY_USER = "5/d"
    for n in range(5):
        participant.post(reverse("applicants:payout-account"), {"channel": "bni", "account_number": f"77700000{n}"})
    assert len(inquiries) == 5

    # when they type a sixth
    response = participant.post(reverse("applicants:payout-account"), {"channel": "bni", "account_number": "777000099"})

    # then the provider is not asked, the page says why, and the typed number is kept
    assert len(inquiries) == 5
    form = response.context["form"]
    errors = " ".join(form.errors["account_number"])
    assert "besok" in errors or "tomorrow" in errors
    assert form["account_number"].value() == "777000099"


def test_inquiries_are_limited_per_address(participant, inquiries, settings):
    # given a low per-address limit (many accounts behind one address: a script farm)
    settings.RATELIMIT_PAYOUT_INQUIRY_IP = "2/d"
    for n in range(2):
        participant.post(reverse("applicants:payout-account"), {"channel": "bni", "account_number": f"88800000{n}"})

    # when the same address checks a third number, then the provider is not asked
    participant.post(reverse("applicants:payout-account"), {"channel": "bni", "account_number": "888000099"})
    assert len(inquiries) == 2
