"""The selection killed mid-run, then run again, ends as an uninterrupted run would: the same
decisions, exactly one card and one balance posting per selected member. And the Celery path
through a real worker."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from applicants.models import Card, Decision, Outcome, Wave, WaveStatus
from applicants.waves.services.selection import selection_compute, wave_selection_run
from applicants.waves.tasks import wave_select
from prakerja.ledger.models import Entry, Posting
from prakerja.ledger.selectors import ledger_check
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.celery_worker import ROOT, celery_worker, worker_env
from tests.factories import WaveFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker")]

MEMBERS = 1500
QUOTA = 600


def closed_wave(number: int) -> Wave:
    wave = close(WaveFactory.create(number=number, national_quota=QUOTA))
    provinces = ["11", "32", "35", "51"]
    bulk_members(wave, [Person(province=provinces[n % 4], family=f"kk-{n // 3}") for n in range(MEMBERS)])
    return wave


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, every: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def run_selection_process(wave: Wave, *, chunk: int) -> subprocess.Popen[bytes]:
    env = worker_env() | {"SELECTION_CARD_CHUNK": str(chunk)}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_selection", "--wave", str(wave.number), "--seed", "77"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def assert_complete(wave: Wave) -> None:
    wave.refresh_from_db()
    assert wave.status == WaveStatus.ANNOUNCED
    expected = {d.member_id: (d.outcome, d.reasons) for d in selection_compute(wave=wave, seed=77)}
    written = {d.member_id: (d.outcome, d.reasons) for d in Decision.objects.filter(wave=wave)}
    assert written == expected
    selected = [m for m, (outcome, _) in written.items() if outcome == Outcome.SELECTED]
    cards = Card.objects.filter(wave=wave)
    assert sorted(cards.values_list("decision_id", flat=True)) == sorted(selected)
    numbers = list(cards.values_list("number", flat=True))
    keys = [f"card-issue:{number}" for number in numbers]
    assert Posting.objects.filter(idempotency_key__in=keys).count() == len(selected)
    for account_id in cards.values_list("account_id", flat=True)[:50]:
        assert list(Entry.objects.filter(account_id=account_id).values_list("amount", flat=True)) == [3_500_000]
    assert ledger_check().ok


@pytest.mark.parametrize(
    "killed_when",
    [
        pytest.param(lambda w: Wave.objects.filter(pk=w.pk, status=WaveStatus.SELECTING).exists(), id="deciding"),
        pytest.param(lambda w: Card.objects.filter(wave=w).count() >= QUOTA // 3, id="issuing-cards"),
    ],
)
def test_a_killed_selection_finishes_on_the_next_run(training_fund, killed_when) -> None:
    # Given a closed wave of 1,500 members and 600 places, cards issued 20 per transaction
    wave = closed_wave(900)
    # When the selection process is killed (SIGKILL) mid-run
    process = run_selection_process(wave, chunk=20)
    reached = wait_for(lambda: killed_when(wave) or process.poll() is not None)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert reached
    interrupted_cards = Card.objects.filter(wave=wave).count()
    assert interrupted_cards < QUOTA, "the run finished before it could be killed"
    # and run again (the database may still be finishing the killed session's statement)
    assert wait_for(lambda: _rerun(wave), timeout=60, every=0.5)
    # Then the result is the uninterrupted one, each selected member with one card and one posting
    assert_complete(wave)


def _rerun(wave: Wave) -> bool:
    from applicants.waves.services.selection import SelectionError

    try:
        wave_selection_run(wave_id=wave.pk, seed=77)
    except SelectionError:
        return False
    return True


@pytest.mark.worker
def test_the_selection_task_runs_in_a_real_worker(training_fund, tmp_path) -> None:
    # Given a closed wave
    wave = closed_wave(901)
    # When the task is sent through the broker to a real worker
    with celery_worker(tmp_path) as worker:
        result = wave_select.apply_async(kwargs={"wave_id": wave.pk, "seed": 77}, queue=worker.queue)
        outcome = result.get(timeout=60)
    # Then the wave is decided and announced in PostgreSQL
    assert outcome["decided"] == MEMBERS
    assert_complete(wave)
    assert os.path.exists(worker.log_path)
