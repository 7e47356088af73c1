"""The selfie check on a real worker of the `identity` queue, whose process is killed in the
middle of the check: the message comes back (acks late, rejected on a lost worker), the same
message takes the job over, and the selfie is checked once (one try, one verification)."""

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from applicants.models import IdentityVerification, Step, VerificationSource
from applicants.verification.selectors import tries_today
from applicants.verification.services import Selfie, identity_verify_queue
from prakerja.identity.models import FaceJob, FaceJobStatus
from tests import faces as photos
from tests.celery_worker import celery_worker
from tests.factories import ApplicantFactory, liveness_challenge_for

STEPS = ("left", "blink", "right")  # the challenge each burst follows

# The identity queue is shared by the test broker: one worker of it at a time, with the browser
# tests that start one.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.xdist_group("browser")]


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def test_a_worker_process_killed_mid_check_leaves_the_job_to_its_message_again(tmp_path: Path, regions: None) -> None:
    # given an identity worker whose registry answers slowly (seconds per call)
    applicant = ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())
    env = {"SANDBOX_IDENTITY_LATENCY_MS": "3000", "TEST_FILE_STORAGE": "filesystem", "MEDIA_ROOT": str(tmp_path)}
    with celery_worker(tmp_path, queue="identity", env=env) as worker:
        # when a selfie is queued and the worker's process is killed while it checks it
        job = identity_verify_queue(
            applicant=applicant,
            birth_place="Kota Bandung",
            selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(STEPS)),
            challenge=liveness_challenge_for(applicant.user, steps=STEPS),
        )
        assert wait_until(lambda: FaceJob.objects.filter(pk=job.pk, status=FaceJobStatus.CHECKING).exists(), 30), (
            worker.log()
        )
        pool = children_of(worker.process.pid)
        assert pool, worker.log()
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        # then the message comes back and its second delivery takes the job over at once
        assert wait_until(lambda: FaceJob.objects.filter(pk=job.pk, status=FaceJobStatus.DONE).exists(), 90), (
            worker.log()
        )
        log = worker.log()
    job.refresh_from_db()
    assert job.attempts == 2, log
    assert job.payload_encrypted is None
    assert "WorkerLostError" in log or "SIGKILL" in log or "signal 9" in log
    # and the selfie was checked once: one verification, one try
    verification = IdentityVerification.objects.get(applicant=applicant)
    assert job.result == {"verification": verification.pk, "status": "verified"}
    assert tries_today(applicant) == 1
