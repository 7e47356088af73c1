"""The session face check on the `identity` queue: the attendance page stores the burst in a job,
an `identity` worker checks it. A duplicated or retried task records one check (one failure, one
attendance); a burst that is not one is refused at once; only the owner sees the job."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from applicants.models import Card
from courses.models import Attendance, AttendanceFaceCheck, AttendanceLink, FaceCheckOutcome
from courses.services.face_check import attendance_face_check
from courses.services.face_check_queue import attendance_face_check_queue
from courses.services.redemption import attendance_link_find
from prakerja.core.queueing import QueuedTask, task_by_name
from prakerja.identity.models import FaceJob, FaceJobStatus
from prakerja.identity.services import face_job_claim
from tests import faces as photos
from tests.conftest import run_after_commit_tasks
from tests.courses.test_integration_protocol import Institution
from tests.factories import ApplicantFactory, liveness_challenge_for, verified_selfie_for
from tests.partners.purchases.test_attendance_face_check import client_of, link_for
from tests.partners.purchases.test_attendance_links import face_check, webinar_purchase

pytestmark = pytest.mark.django_db
STEPS = ("left", "blink", "right")  # the challenge each burst follows


def session(card: Card, capture: Any) -> str:
    """A paid webinar, the participant's verified selfie, and the link of session 1 (its path)."""
    lp = Institution()
    purchase = webinar_purchase(card, capture, lp)
    verified_selfie_for(card.applicant)
    return link_for(lp, purchase, card)


def queued(card: Card, path: str, capture: Any, *, blink: bool = True) -> tuple[FaceJob, list[Any]]:
    token = path.rstrip("/").rsplit("/", 1)[-1]
    with capture() as callbacks:
        link = attendance_link_find(token=token)
        assert link is not None
        job = attendance_face_check_queue(
            token=token,
            applicant=card.applicant,
            email=card.applicant.user.email,
            holder=True,
            frames=photos.challenge_burst(STEPS, blink=blink),
            challenge=liveness_challenge_for(
                card.applicant.user, steps=STEPS, purpose="face_check", subject=f"link:{link.pk}"
            ),
        )
    return job, callbacks


def run(job: FaceJob) -> Any:
    return task_by_name("identity.session_check").apply(kwargs={"job_id": str(job.pk)}, throw=True).get()


def test_a_duplicated_task_records_one_attendance(
    participant_card: Card, django_capture_on_commit_callbacks: Any
) -> None:
    # given a queued face check of session 1
    path = session(participant_card, django_capture_on_commit_callbacks)
    job, callbacks = queued(participant_card, path, django_capture_on_commit_callbacks)
    assert callbacks == [QueuedTask("identity.session_check", {"job_id": str(job.pk)})]
    # when the worker runs it, and the message comes again
    run_after_commit_tasks(callbacks)
    assert run(job) == "skipped"
    # then one passed check, one attendance, the frames gone
    job.refresh_from_db()
    assert job.status == FaceJobStatus.DONE
    assert job.payload_encrypted is None
    assert job.result["status"] == "attended"
    assert AttendanceFaceCheck.objects.get().reference == job.reference
    assert Attendance.objects.count() == 1


def first_run_dies_after_the_check(card: Card, job: FaceJob, settings: SettingsWrapper) -> None:
    """A worker claims the job, records the check, and dies before finishing the job (which
    then looks stale to the next run)."""
    claimed = face_job_claim(job_id=str(job.pk))
    assert claimed is not None
    attendance_face_check(
        token=claimed.private["token"],
        applicant=card.applicant,
        email=card.applicant.user.email,
        holder=True,
        frames=claimed.frames,
        steps=claimed.private["steps"],
        reference=job.reference,
    )
    FaceJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=settings.IDENTITY_JOB_STALE_S + 1)
    )


def test_a_worker_killed_after_the_check_finishes_without_a_second_failure(
    participant_card: Card, django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    # given a worker that recorded a failed check (no blink) and died before finishing the job
    path = session(participant_card, django_capture_on_commit_callbacks)
    job, _ = queued(participant_card, path, django_capture_on_commit_callbacks, blink=False)
    first_run_dies_after_the_check(participant_card, job, settings)
    # when the job runs again
    assert run(job) == FaceCheckOutcome.FAILED
    # then one failure is counted, and the participant may retry on the page
    assert AttendanceFaceCheck.objects.filter(outcome=FaceCheckOutcome.FAILED).count() == 1
    job.refresh_from_db()
    assert job.result["final"] is False
    page = client_of(participant_card).get(
        reverse("catalogue:attendance-checking", args=[path.rstrip("/").rsplit("/", 1)[-1], job.pk])
    )
    assert page.status_code == 422
    assert "berkedip" in page.content.decode()


def test_a_worker_killed_after_attendance_was_recorded_sends_her_back_attended(
    participant_card: Card, django_capture_on_commit_callbacks: Any, settings: SettingsWrapper
) -> None:
    path = session(participant_card, django_capture_on_commit_callbacks)
    job, _ = queued(participant_card, path, django_capture_on_commit_callbacks)
    first_run_dies_after_the_check(participant_card, job, settings)
    assert run(job) == FaceCheckOutcome.PASSED
    job.refresh_from_db()
    assert job.result["status"] == "attended"
    assert AttendanceFaceCheck.objects.count() == 1
    assert Attendance.objects.count() == 1


def test_a_burst_that_is_not_one_is_refused_at_once(
    participant_card: Card, django_capture_on_commit_callbacks: Any
) -> None:
    path = session(participant_card, django_capture_on_commit_callbacks)
    frames = [SimpleUploadedFile(f"f{i}.jpg", b"not a picture", "image/jpeg") for i in range(4)]
    page = face_check(client_of(participant_card), path, django_capture_on_commit_callbacks, frames=frames)
    assert page.status_code == 422
    assert not FaceJob.objects.exists()
    assert not AttendanceFaceCheck.objects.exists()


def test_the_checking_page_waits_and_is_the_owners_only(
    participant_card: Card, django_capture_on_commit_callbacks: Any
) -> None:
    # given a burst sent on the attendance page
    path = session(participant_card, django_capture_on_commit_callbacks)
    client = client_of(participant_card)
    with django_capture_on_commit_callbacks() as callbacks:
        challenge, steps = photos.challenge_on_page(client.get(path).content.decode())
        frames = [SimpleUploadedFile("f.jpg", f, "image/jpeg") for f in photos.challenge_burst(steps)]
        sent = client.post(path, {"frames": frames, "challenge": challenge})
    checking = sent["Location"]
    # then the page says the photo is being checked, polling the status, and the link leads there
    body = client.get(checking).content.decode()
    assert "Memeriksa foto" in body
    assert "data-face-job-status=" in body
    assert client.get(path)["Location"] == checking
    # and another participant gets a 404
    assert client_of_stranger().get(checking).status_code == 404
    # when the worker is done, she goes back to the institution
    run_after_commit_tasks(callbacks)
    back = client.get(checking)
    assert back.status_code == 302
    assert back["Location"].startswith("https://lp.example.id/kembali?")
    assert AttendanceLink.objects.get().used_at is not None


def client_of_stranger() -> Client:
    client = Client()
    client.force_login(ApplicantFactory.create().user)
    return client
