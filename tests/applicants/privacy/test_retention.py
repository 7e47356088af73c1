"""The retention job: KTP photos of people who never became participants are deleted after the
period and their identity anonymised; participants and people in a running wave are untouched;
a second run changes nothing; one audit event per run, without personal data."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from applicants.models import Applicant, Step, WaveStatus
from applicants.privacy.retention import retention_run
from prakerja.accounts.models import User
from prakerja.audit.models import AuditEvent
from tests.applicants.wave_setups import earlier_cards
from tests.factories import ApplicantFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=800)


def with_photo(applicant: Applicant) -> Applicant:
    applicant.ktp_photo.save("ktp.jpg", ContentFile(b"\xff\xd8 fake jpeg"), save=True)
    return applicant


def backdate(*applicants: Applicant) -> None:
    ids = [a.pk for a in applicants]
    Applicant.objects.filter(pk__in=ids).update(created_at=LONG_AGO)
    User.objects.filter(applicant__pk__in=ids).update(date_joined=LONG_AGO, last_login=LONG_AGO)


def test_never_participants_lose_their_ktp_photo_and_identity_after_the_period():
    # given a person who never got a card, inactive for longer than the period, with a KTP photo
    gone = with_photo(ApplicantFactory.create(reached=Step.READY))
    path = gone.ktp_photo.name
    # and one with a card (a participant), one in a wave still running, one active recently
    finished = WaveFactory.create(status=WaveStatus.ANNOUNCED)
    earlier_cards(finished, ["3273019999000001"])
    participant = with_photo(Applicant.objects.get(card__isnull=False))
    in_wave = with_photo(WaveMemberFactory.create().applicant)
    recent = with_photo(ApplicantFactory.create(reached=Step.READY))
    backdate(gone, participant, in_wave)
    assert default_storage.exists(path)

    # when the job runs
    result = retention_run(batch=2)

    # then only the never-participant is anonymised, the photo really gone from storage
    assert result.anonymised == 1
    assert result.photos_deleted == 1
    gone.refresh_from_db()
    assert not gone.ktp_photo
    assert not default_storage.exists(path)
    assert gone.full_name == ""
    assert gone.phone == ""
    assert gone.address == ""
    assert gone.nik_encrypted is None
    assert gone.anonymised_at is not None
    assert gone.step == Step.IDENTITY
    assert gone.user.full_name == ""
    # and the NIK's blind index stays, so the NIK cannot register a second account
    assert gone.nik_index
    for kept in (participant, in_wave, recent):
        kept.refresh_from_db()
        assert kept.ktp_photo
        assert kept.anonymised_at is None
        assert default_storage.exists(kept.ktp_photo.name)
    # and the run is audited once, with counts only
    event = AuditEvent.objects.get(action="privacy.retention_run")
    assert event.payload["anonymised"] == 1
    assert event.payload["ktp_photos_deleted"] == 1
    assert gone.nik_masked not in str(event.payload)


def test_a_second_run_changes_nothing():
    # given a run that anonymised three people in batches of two
    people = [with_photo(ApplicantFactory.create(reached=Step.READY)) for _ in range(3)]
    backdate(*people)
    first = retention_run(batch=2)
    assert first.anonymised == 3
    assert first.batches == 2
    before = list(Applicant.objects.order_by("pk").values_list("pk", "updated_at", "anonymised_at"))
    # when it runs again
    second = retention_run(batch=2)
    # then nothing changes, and the second event says so
    assert second.anonymised == 0
    assert second.photos_deleted == 0
    assert list(Applicant.objects.order_by("pk").values_list("pk", "updated_at", "anonymised_at")) == before
    assert AuditEvent.objects.filter(action="privacy.retention_run").count() == 2


def test_the_task_is_scheduled_by_the_migrations():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from prakerja.core.beat import SCHEDULED_TASKS, periodic_task_allowed

    # given the migration's schedule (run again: transactional tests flush what migrations made)
    importlib.import_module("applicants.migrations.0016_privacy_retention_schedule").schedule(apps, None)
    # then it runs the retention task, one of the jobs beat may run
    task = PeriodicTask.objects.get(task="batch.privacy_retention")
    assert "batch.privacy_retention" in SCHEDULED_TASKS
    assert periodic_task_allowed(task=task)
