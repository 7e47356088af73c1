"""The retention job: KTP photos of people who never became participants are deleted after the
period and their identity anonymised; participants and people in a running wave are untouched;
a second run changes nothing; one audit event per run, without personal data."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from applicants.models import (
    AccountMatch,
    Applicant,
    Card,
    CardStatus,
    Clawback,
    PayoutAccount,
    PayoutAccountStatus,
    Step,
    WaveStatus,
)
from applicants.privacy.retention import retention_run
from prakerja.accounts.models import User
from prakerja.audit.models import AuditEvent
from tests.applicants.wave_setups import earlier_cards
from tests.factories import ApplicantFactory, StaffUserFactory, WaveFactory, WaveMemberFactory

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
    Applicant.objects.filter(pk=gone.pk).update(ktp_phash=0x1234)  # the duplicate pass's hash of it
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
    assert gone.ktp_phash is None
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


def test_former_participants_are_anonymised_only_after_the_financial_retention_period():
    # given four participants: cards closed eleven years ago, one year ago, eleven years ago but
    # with a clawback still open, and one still active
    finished = WaveFactory.create(status=WaveStatus.ANNOUNCED)
    earlier_cards(finished, ["3273019999000011", "3273019999000012", "3273019999000013", "3273019999000014"])
    cards = list(Card.objects.order_by("pk"))
    long_closed, recently_closed, owing, active = cards
    eleven_years_ago = timezone.now() - dt.timedelta(days=11 * 365)
    Card.objects.filter(pk__in=[long_closed.pk, owing.pk]).update(status=CardStatus.CLOSED, closed_at=eleven_years_ago)
    Card.objects.filter(pk=recently_closed.pk).update(
        status=CardStatus.CLOSED, closed_at=timezone.now() - dt.timedelta(days=365)
    )
    for card in cards:
        with_photo(card.applicant)
        PayoutAccount.objects.create(
            applicant=card.applicant,
            channel="ovo",
            account_number="0123456789",
            holder_name="SARI WULANDARI",
            match=AccountMatch.EXACT,
            status=PayoutAccountStatus.ACTIVE,
        )
    Clawback.objects.create(
        card=owing,
        applicant=owing.applicant,
        training_used=1_000_000,
        incentives_paid=600_000,
        amount=1_600_000,
        reason="Pegawai negeri",
        evidence="clawbacks/bukti.jpg",
        opened_by=StaffUserFactory.create(),
        opened_at=eleven_years_ago,
        due_on=eleven_years_ago.date(),
    )

    # when the job runs
    result = retention_run()

    # then only the long-closed card's holder is anonymised, their payout account masked
    assert result.participants_anonymised == 1
    gone = Applicant.objects.get(pk=long_closed.applicant_id)
    assert gone.anonymised_at is not None
    assert gone.full_name == ""
    assert not gone.ktp_photo
    account = PayoutAccount.objects.get(applicant=gone)
    assert account.holder_name == ""
    assert account.account_number == "******6789"
    # and the card itself (which the ledger and payouts name) stays
    assert Card.objects.filter(pk=long_closed.pk).exists()
    for kept in (recently_closed, owing, active):
        applicant = Applicant.objects.get(pk=kept.applicant_id)
        assert applicant.anonymised_at is None
        assert applicant.ktp_photo
        assert PayoutAccount.objects.get(applicant=applicant).holder_name == "SARI WULANDARI"
    event = AuditEvent.objects.get(action="privacy.retention_run")
    assert event.payload["participants_anonymised"] == 1
    assert "6789" not in str(event.payload)


def test_never_participants_lose_their_selfies_like_their_ktp_photo():
    # given a never-participant past the period with a verified selfie, and a recent one
    from applicants.models import IdentityVerification
    from tests.factories import verified_selfie_for

    gone = ApplicantFactory.create(reached=Step.READY)
    recent = ApplicantFactory.create(reached=Step.READY)
    old_selfie = verified_selfie_for(gone)
    kept_selfie = verified_selfie_for(recent)
    path = old_selfie.selfie.name
    backdate(gone)
    assert default_storage.exists(path)
    # when the job runs
    retention_run()
    # then the selfie file and the face descriptor are gone, the record of the check stays
    old_selfie.refresh_from_db()
    assert not old_selfie.selfie
    assert old_selfie.descriptor_encrypted is None
    assert not default_storage.exists(path)
    assert IdentityVerification.objects.filter(pk=old_selfie.pk, status="verified").exists()
    gone.refresh_from_db()
    assert gone.birth_place == ""
    # and the recent applicant's selfie is untouched
    kept_selfie.refresh_from_db()
    assert kept_selfie.selfie
    assert default_storage.exists(kept_selfie.selfie.name)
