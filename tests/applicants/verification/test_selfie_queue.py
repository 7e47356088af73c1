"""The selfie check on the `identity` queue: the page stores the burst in a job and an `identity`
worker checks it. A retried or duplicated task counts no second try; a worker killed mid-check
leaves a job that the sweep queues again; a registry outage is retried and then ends with "try
later", no try counted; only the job's owner sees its status."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from applicants.models import Applicant, IdentityVerification, Step, VerificationSource, VerificationStatus
from applicants.verification.selectors import tries_today
from applicants.verification.services import (
    Selfie,
    VerificationError,
    identity_verify,
    identity_verify_queue,
    selfie_check_run,
)
from prakerja.core.queueing import QueuedTask, task_by_name
from prakerja.identity.models import FaceJob, FaceJobStatus
from prakerja.identity.services import face_job_claim, face_job_sweep
from tests import faces as photos
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, liveness_challenge_for

pytestmark = pytest.mark.django_db
STEPS = ("left", "blink", "right")  # the challenge each burst follows


@pytest.fixture(autouse=True)
def _setup(regions: None) -> None:
    """Applicants need provinces."""


def unverified() -> Applicant:
    return ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())


def queued(applicant: Applicant, capture: Any, *, blink: bool = True) -> tuple[FaceJob, list[Any]]:
    with capture() as callbacks:
        job = identity_verify_queue(
            applicant=applicant,
            birth_place="Kota Bandung",
            selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(STEPS, blink=blink)),
            challenge=liveness_challenge_for(applicant.user, steps=STEPS),
        )
    return job, callbacks


def run(job: FaceJob) -> Any:
    return task_by_name("identity.selfie_check").apply(kwargs={"job_id": str(job.pk)}, throw=True).get()


def age(job: FaceJob, seconds: int) -> None:
    FaceJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_the_page_queues_the_check_and_the_worker_writes_it(django_capture_on_commit_callbacks: Any) -> None:
    # given an applicant whose selfie was sent
    applicant = unverified()
    job, callbacks = queued(applicant, django_capture_on_commit_callbacks)
    # then nothing is checked yet: the job waits on the identity queue, its frames encrypted
    assert callbacks == [QueuedTask("identity.selfie_check", {"job_id": str(job.pk)})]
    assert job.status == FaceJobStatus.PENDING
    assert job.payload_encrypted is not None
    assert b"Bandung" not in bytes(job.payload_encrypted)
    assert not IdentityVerification.objects.exists()
    # when the worker runs it
    run_after_commit_tasks(callbacks)
    # then she is verified and the frames are gone
    job.refresh_from_db()
    assert job.status == FaceJobStatus.DONE
    assert job.payload_encrypted is None
    verification = IdentityVerification.objects.get(applicant=applicant)
    assert verification.reference == job.reference
    assert job.result == {"verification": verification.pk, "status": "verified"}
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is not None
    assert applicant.birth_place == "Kota Bandung"


def test_a_duplicated_task_counts_no_second_try(django_capture_on_commit_callbacks: Any) -> None:
    applicant = unverified()
    job, _callbacks = queued(applicant, django_capture_on_commit_callbacks, blink=False)
    assert run(job) == "retake"
    # when the same message is delivered again
    assert run(job) == "skipped"
    assert IdentityVerification.objects.filter(applicant=applicant).count() == 1
    assert tries_today(applicant) == 1


def test_a_second_send_while_checking_is_the_same_job(django_capture_on_commit_callbacks: Any) -> None:
    applicant = unverified()
    first, _ = queued(applicant, django_capture_on_commit_callbacks)
    second, callbacks = queued(applicant, django_capture_on_commit_callbacks)
    assert second.pk == first.pk
    assert callbacks == []


def test_a_worker_killed_mid_check_leaves_a_job_the_sweep_runs_again(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    # given a job a worker took and died on (its claim written, nothing else)
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    assert face_job_claim(job_id=str(job.pk)) is not None
    # then a duplicate message meanwhile does not run it beside the (maybe live) worker
    assert run(job) == "skipped"
    # and the sweep leaves it while the claim is fresh
    with django_capture_on_commit_callbacks() as callbacks:
        assert face_job_sweep() == 0
    assert callbacks == []
    # when it has been checking longer than IDENTITY_JOB_STALE_S
    age(job, settings.IDENTITY_JOB_STALE_S + 1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert face_job_sweep() == 1
    assert callbacks == [QueuedTask("identity.selfie_check", {"job_id": str(job.pk)})]
    run_after_commit_tasks(callbacks)
    # then it is checked once: one try, verified
    job.refresh_from_db()
    assert job.status == FaceJobStatus.DONE
    assert job.attempts == 2
    assert IdentityVerification.objects.filter(applicant=applicant).count() == 1
    assert tries_today(applicant) == 1


def test_a_worker_killed_after_writing_the_verification_counts_no_second_try(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    # given a worker that wrote the verification and died before finishing the job
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    claimed = face_job_claim(job_id=str(job.pk))
    assert claimed is not None
    first = identity_verify(
        applicant=applicant,
        birth_place="Kota Bandung",
        selfie=Selfie(source=VerificationSource.CAMERA, frames=claimed.frames),
        steps=claimed.private["steps"],
        reference=job.reference,
    )
    age(job, settings.IDENTITY_JOB_STALE_S + 1)
    # when the job runs again
    assert run(job) == "verified"
    # then it finishes with the first run's verification, no second try
    job.refresh_from_db()
    assert job.status == FaceJobStatus.DONE
    assert job.result["verification"] == first.pk
    assert IdentityVerification.objects.filter(applicant=applicant).count() == 1


def test_a_registry_outage_is_retried_then_asks_to_try_later_without_a_try(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    # given a registry that does not answer, and two retries (at once, for the test)
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 1.0
    settings.IDENTITY_REGISTRY_RETRY_S = [0, 0]
    applicant = unverified()
    job, callbacks = queued(applicant, django_capture_on_commit_callbacks)
    assert callbacks == [QueuedTask("identity.selfie_check", {"job_id": str(job.pk)})]
    # when the worker runs it (in this process Celery runs each retry at once, when the first
    # run does not re-raise: throw=False)
    task_by_name("identity.selfie_check").apply(kwargs={"job_id": str(job.pk)}, throw=False)
    # then it was tried three times and ended as unavailable: no try used, frames gone
    job.refresh_from_db()
    assert job.status == FaceJobStatus.FAILED
    assert job.result == {"error": "unavailable"}
    assert job.attempts == 3
    assert job.payload_encrypted is None
    assert not IdentityVerification.objects.exists()
    # and the page tells her to try again later, with all her tries
    client = Client()
    client.force_login(applicant.user)
    page = client.get(reverse("applicants:selfie-checking", args=[job.pk]), follow=True).content.decode()
    assert "Percobaan ini tidak dihitung" in page
    assert 'data-state="unverified"' in page
    assert tries_today(applicant) == 0


def test_a_retry_after_the_outage_verifies(django_capture_on_commit_callbacks: Any, settings: SettingsWrapper) -> None:
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 1.0
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    # the first run meets the outage and gives the job back for its retry
    assert selfie_check_run(job_id=str(job.pk), may_retry=True) == "retry"
    job.refresh_from_db()
    assert job.status == FaceJobStatus.PENDING
    # the registry answers again when the retry comes
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 0.0
    assert selfie_check_run(job_id=str(job.pk), may_retry=True) == "verified"
    assert IdentityVerification.objects.filter(applicant=applicant).count() == 1


def test_a_refusal_found_by_the_worker_is_shown(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    # given a selfie queued, and the day's tries used up in another tab before it ran
    settings.IDENTITY_SELFIE_TRIES_PER_DAY = 1
    applicant = unverified()
    job, callbacks = queued(applicant, django_capture_on_commit_callbacks)
    IdentityVerification.objects.create(
        applicant=applicant, reference="other-tab", status=VerificationStatus.RETAKE, source=VerificationSource.CAMERA
    )
    run_after_commit_tasks(callbacks)
    job.refresh_from_db()
    assert job.status == FaceJobStatus.FAILED
    assert job.result["error"] == "refused"
    assert "besok" in job.result["message"]
    with pytest.raises(VerificationError):
        queued(applicant, django_capture_on_commit_callbacks)


def test_the_sweep_gives_up_on_a_job_that_waited_too_long(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    FaceJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.IDENTITY_JOB_GIVE_UP_S + 1),
        updated_at=timezone.now() - dt.timedelta(seconds=settings.IDENTITY_JOB_RESEND_S + 1),
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert face_job_sweep() == 1
    assert callbacks == []
    job.refresh_from_db()
    assert job.status == FaceJobStatus.FAILED
    assert job.result == {"error": "unavailable"}
    assert job.payload_encrypted is None
    assert run(job) == "skipped"
    assert tries_today(applicant) == 0


def test_a_lost_message_is_sent_again_by_the_sweep(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    age(job, settings.IDENTITY_JOB_STALE_S + 1)  # pending: not yet long enough
    with django_capture_on_commit_callbacks() as callbacks:
        assert face_job_sweep() == 0
    age(job, settings.IDENTITY_JOB_RESEND_S + 1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert face_job_sweep() == 1
    assert callbacks == [QueuedTask("identity.selfie_check", {"job_id": str(job.pk)})]


def test_only_the_owner_sees_the_status(django_capture_on_commit_callbacks: Any) -> None:
    # given a queued selfie
    applicant = unverified()
    job, callbacks = queued(applicant, django_capture_on_commit_callbacks)
    status_url = reverse("face-job-status", args=[job.pk])
    owner = Client()
    owner.force_login(applicant.user)
    # then its owner sees it being checked, on the status endpoint and the checking page
    assert owner.get(status_url).json() == {"state": "checking"}
    page = owner.get(reverse("applicants:selfie-checking", args=[job.pk]))
    body = page.content.decode()
    assert 'data-state="checking"' in body
    assert f'data-face-job-status="{status_url}"' in body
    assert 'http-equiv="refresh"' in body  # without script, the page refreshes itself
    # and the selfie page leads back to it
    assert owner.get(reverse("applicants:selfie"))["Location"] == reverse("applicants:selfie-checking", args=[job.pk])
    # and nobody else: another applicant and an anonymous visitor get a 404
    stranger = Client()
    stranger.force_login(unverified().user)
    assert stranger.get(status_url).status_code == 404
    assert stranger.get(reverse("applicants:selfie-checking", args=[job.pk])).status_code == 404
    assert Client().get(status_url).status_code == 404
    # when the worker is done, the owner's page shows the result
    run_after_commit_tasks(callbacks)
    assert owner.get(status_url).json() == {"state": "done"}
    result = owner.get(reverse("applicants:selfie-checking", args=[job.pk]), follow=True).content.decode()
    assert 'data-state="verified"' in result


def test_the_same_message_delivered_again_takes_the_job_over_at_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a job claimed by a message whose worker process died (acks late: it comes back)
    applicant = unverified()
    job, _ = queued(applicant, django_capture_on_commit_callbacks)
    assert face_job_claim(job_id=str(job.pk), task_id="message-1") is not None
    # then another message waits for the claim to go stale, the same one takes it over
    assert face_job_claim(job_id=str(job.pk), task_id="message-2") is None
    assert selfie_check_run(job_id=str(job.pk), may_retry=True, task_id="message-1") == "verified"
    job.refresh_from_db()
    assert job.attempts == 2
    assert tries_today(applicant) == 1


def test_the_sweep_removes_finished_jobs_after_some_days(
    django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    applicant = unverified()
    old, callbacks = queued(applicant, django_capture_on_commit_callbacks, blink=False)
    run_after_commit_tasks(callbacks)
    FaceJob.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=settings.IDENTITY_JOB_KEEP_DAYS, seconds=1)
    )
    recent, callbacks = queued(applicant, django_capture_on_commit_callbacks, blink=False)
    run_after_commit_tasks(callbacks)
    face_job_sweep()
    assert list(FaceJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert IdentityVerification.objects.filter(applicant=applicant).count() == 2  # the record stays
