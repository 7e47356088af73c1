"""A wave's announcement whose wave_notify chain was lost (a broker outage at commit, a dead
worker) is started again by the sweeper; members already told are not told twice."""

import datetime as dt

import pytest

from applicants.models import Decision
from applicants.waves.services.announcements import wave_notify_batch, waves_untold
from applicants.waves.services.selection import wave_selection_run
from prakerja.messaging.models import OutboxMessage
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.factories import WaveFactory

pytestmark = pytest.mark.django_db


def test_an_announcement_whose_chain_was_lost_is_found_and_finished(training_fund, django_capture_on_commit_callbacks):
    # given a wave selected and announced, whose notify task was never run (lost)
    wave = close(WaveFactory.create(number=950, national_quota=10))
    bulk_members(wave, [Person(province="32", family=f"kk-{n}") for n in range(12)])
    with django_capture_on_commit_callbacks():
        wave_selection_run(wave_id=wave.pk, seed=5)
    # then the sweeper finds it (once announced long enough ago)
    assert waves_untold(announced_before=dt.timedelta(0)) == [wave.pk]
    assert waves_untold() == []  # a chain that may still be running is left alone
    # when one batch ran before the loss and the sweeper starts again from the beginning
    first = wave_notify_batch(wave_id=wave.pk, batch=5)
    assert first is not None
    after: int | None = 0
    while after is not None:
        after = wave_notify_batch(wave_id=wave.pk, after=after, batch=5)
    # then every member is told exactly once (one email and one SMS row each at most)
    assert not Decision.objects.filter(wave=wave, notified_at=None).exists()
    assert waves_untold(announced_before=dt.timedelta(0)) == []
    references = list(
        OutboxMessage.objects.filter(reference__startswith="wave-950-").values_list("reference", flat=True)
    )
    assert len(references) == len(set(references))
    assert OutboxMessage.objects.filter(reference__endswith="-email").count() == 12
