import pytest

from applicants.models import Card
from applicants.services.selection import wave_selection_run
from tests.applicants.waves import close
from tests.factories import WaveFactory, WaveMemberFactory


@pytest.fixture(autouse=True)
def _regions(regions: None) -> None:
    """Participants need provinces."""


@pytest.fixture
def participant_card(training_fund: int) -> Card:
    """A fresh card with the normal scheme's Rp3,500,000."""
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    return Card.objects.select_related("applicant").get(decision_id=member.pk)
