"""The rollout of identity verification to applicants who registered before the selfie journey:
everyone past the identity step whose identity is not verified is asked once (email, and SMS to
a verified phone) through the outbox, in bulk; a re-run tells nobody twice; a reminder only after
the configured days; a pass killed part-way goes on from its last batch; the PMO follows the
counts and starts a pass (audited, a permission of its own); the dashboard calls the applicant
to verify and explains a refusal for an unverified identity."""

import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from applicants.models import (
    Applicant,
    Blacklisting,
    IdentityVerification,
    RolloutStatus,
    Step,
    VerificationRequest,
    VerificationRollout,
    VerificationSource,
    VerificationStatus,
    WaveStatus,
)
from applicants.verification import rollout as rollout_module
from applicants.verification.rollout import (
    RolloutError,
    verification_rollout_batch,
    verification_rollout_run,
    verification_rollout_start,
)
from applicants.verification.selectors import RolloutProgress, rollout_progress
from applicants.waves.services.selection import wave_selection_run
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.core.queueing import QueuedTask
from prakerja.messaging.models import Channel, OutboxMessage, OutboxStatus, SandboxMessage
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the PMO its group."""


def old_registrant(reached: Step = Step.READY) -> Applicant:
    """Registered before the selfie journey: past the identity step, never verified."""
    return ApplicantFactory.create(reached=reached, verified=False)


def run_pass(*, now: dt.datetime | None = None, batch_size: int | None = None) -> VerificationRollout:
    started = verification_rollout_start(actor=ACTOR, trigger="test", queue=False)
    return verification_rollout_run(rollout_id=started.pk, now=now, batch_size=batch_size)


def outbox(channel: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=channel, reference__startswith="identity-request").order_by("pk"))


def test_everyone_past_the_identity_step_and_unverified_is_asked_once_by_email_and_sms() -> None:
    # given old registrants at the wave step and at the phone step (no verified phone yet), and
    # people the rollout must leave alone
    ready = old_registrant(Step.READY)
    at_phone = old_registrant(Step.CONTACT)
    verified = ApplicantFactory.create(reached=Step.READY)
    before_identity = ApplicantFactory.create(reached=Step.IDENTITY, verified=False)
    in_review = old_registrant()
    IdentityVerification.objects.create(
        applicant=in_review,
        reference="in-review",
        status=VerificationStatus.REVIEW,
        source=VerificationSource.UPLOAD,
    )
    anonymised = old_registrant()
    Applicant.objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
    restricted = old_registrant()
    Applicant.objects.filter(pk=restricted.pk).update(processing_restricted_at=timezone.now())
    closed = old_registrant()
    closed.user.is_active = False
    closed.user.save(update_fields=["is_active"])
    blacklisted = old_registrant()
    Blacklisting.objects.create(nik_index=blacklisted.nik_index or "", applicant=blacklisted, reason="kartu dicabut")

    # when the command runs, two applicants per batch
    call_command("request_identity_verification", batch_size=2, verbosity=0)

    # then exactly the two old registrants are asked: an email each, an SMS to the verified phone
    assert set(VerificationRequest.objects.values_list("applicant_id", flat=True)) == {ready.pk, at_phone.pk}
    assert {m.to for m in outbox(Channel.EMAIL)} == {ready.user.email, at_phone.user.email}
    assert [m.to for m in outbox(Channel.SMS)] == [ready.phone]
    email = outbox(Channel.EMAIL)[0]
    assert "swafoto" in email.body
    assert reverse("applicants:selfie") in email.body
    assert "selfie" in email.body  # the English version follows the Indonesian one
    assert "pemeriksaan wajah" in email.body  # participants need it for every training session
    rollout = VerificationRollout.objects.get()
    assert rollout.status == RolloutStatus.DONE
    assert (rollout.requested, rollout.reminded, rollout.emails, rollout.sms) == (2, 0, 2, 1)
    assert rollout.last_applicant_id == rollout.until_applicant_id
    for left_alone in (verified, before_identity, in_review, anonymised, restricted, closed, blacklisted):
        assert not VerificationRequest.objects.filter(applicant=left_alone).exists()

    # when it runs again at once
    call_command("request_identity_verification", verbosity=0)

    # then nobody is told twice
    assert len(outbox(Channel.EMAIL)) == 2
    assert len(outbox(Channel.SMS)) == 1
    assert set(VerificationRequest.objects.values_list("notices", flat=True)) == {1}
    assert VerificationRollout.objects.order_by("-pk").first().requested == 0  # type: ignore[union-attr]


def test_a_reminder_only_after_the_configured_days_and_at_most_the_configured_notices(
    settings: SettingsWrapper,
) -> None:
    # given an old registrant asked today, reminders after 14 days, three notices at most
    settings.IDENTITY_ROLLOUT_REMIND_AFTER_DAYS = 14
    settings.IDENTITY_ROLLOUT_MAX_NOTICES = 3
    person = old_registrant()
    today = timezone.now()
    run_pass(now=today)

    # when passes run 13 days later, then 15, 30 and 45 days later
    early = run_pass(now=today + dt.timedelta(days=13))
    second = run_pass(now=today + dt.timedelta(days=15))
    third = run_pass(now=today + dt.timedelta(days=30))
    fourth = run_pass(now=today + dt.timedelta(days=45))

    # then the early pass reminds nobody, the next two remind once each, the last none (three in all)
    assert (early.reminded, second.reminded, third.reminded, fourth.reminded) == (0, 1, 1, 0)
    request = VerificationRequest.objects.get(applicant=person)
    assert request.notices == 3
    assert [m.reference for m in outbox(Channel.EMAIL)] == [f"identity-request:{person.pk}:{n}" for n in (1, 2, 3)]


def test_a_person_who_verified_in_between_is_not_reminded() -> None:
    # given an old registrant asked long ago who has since verified
    person = old_registrant()
    run_pass(now=timezone.now() - dt.timedelta(days=60))
    Applicant.objects.filter(pk=person.pk).update(identity_verified_at=timezone.now())
    # when a pass runs today
    later = run_pass()
    # then she is not told again
    assert later.reminded == 0
    assert len(outbox(Channel.EMAIL)) == 1


def test_a_pass_killed_part_way_goes_on_from_its_last_batch_and_tells_nobody_twice() -> None:
    # given five old registrants and a pass that did one batch of two before its worker died
    people = [old_registrant() for _ in range(5)]
    started = verification_rollout_start(actor=ACTOR, trigger="test", queue=False)
    words = rollout_module._words()
    assert verification_rollout_batch(rollout_id=started.pk, words=words, batch_size=2)
    started.refresh_from_db()
    assert started.requested == 2
    assert started.last_applicant_id == people[1].pk

    # when the next batch fails half-way (after its notices were recorded, before the outbox rows)
    with (
        mock.patch.object(rollout_module, "notices_send_bulk_after_commit", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        verification_rollout_batch(rollout_id=started.pk, words=words, batch_size=2)

    # then nothing of that batch was kept: neither the notices nor the cursor
    started.refresh_from_db()
    assert started.last_applicant_id == people[1].pk
    assert VerificationRequest.objects.count() == 2

    # and a second pass cannot start while this one is unfinished
    with pytest.raises(RolloutError):
        verification_rollout_start(actor=ACTOR)

    # when the command runs, it resumes the unfinished pass
    call_command("request_identity_verification", batch_size=2, verbosity=0)

    # then everybody is asked exactly once
    started.refresh_from_db()
    assert started.status == RolloutStatus.DONE
    assert started.requested == 5
    assert VerificationRollout.objects.count() == 1
    emails = outbox(Channel.EMAIL)
    assert sorted(m.to for m in emails) == sorted(p.user.email for p in people)
    assert len({m.reference for m in emails}) == 5


def test_the_workers_send_the_notices_in_batches_over_the_outbox(django_capture_on_commit_callbacks: object) -> None:
    # given two old registrants
    people = [old_registrant() for _ in range(2)]
    # when the pass is queued and a worker runs it
    with django_capture_on_commit_callbacks() as queued:  # type: ignore[operator]
        verification_rollout_start(actor=ACTOR)
    assert [c.name for c in queued if isinstance(c, QueuedTask)] == ["batch.identity_rollout"]
    with django_capture_on_commit_callbacks() as sending:  # type: ignore[operator]
        run_after_commit_tasks(queued)
    # then one email batch and one SMS batch are queued (not one task per person)
    assert [c.name for c in sending if isinstance(c, QueuedTask)] == [
        "messaging.email_send_batch",
        "messaging.sms_send_batch",
    ]
    # when the workers send them, twice (a redelivered message)
    run_after_commit_tasks(sending)
    run_after_commit_tasks(sending)
    # then each person got one email and one SMS, and the outbox rows are sent and emptied
    for person in people:
        assert SandboxMessage.objects.filter(channel=Channel.EMAIL, to=person.user.email).count() == 1
        assert SandboxMessage.objects.filter(channel=Channel.SMS, to=person.phone).count() == 1
    rows = OutboxMessage.objects.filter(reference__startswith="identity-request")
    assert rows.count() == 4
    assert set(rows.values_list("status", "body")) == {(OutboxStatus.SENT, "")}


def _staff(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def test_the_pmo_follows_the_counts_and_starts_a_pass_audited(
    django_capture_on_commit_callbacks: object, django_assert_max_num_queries: object
) -> None:
    # given three old registrants asked: one verified since, one whose selfie waits for a
    # verifier, one who did nothing yet
    done, waiting, idle = (old_registrant() for _ in range(3))
    run_pass()
    Applicant.objects.filter(pk=done.pk).update(identity_verified_at=timezone.now())
    IdentityVerification.objects.create(
        applicant=waiting, reference="w", status=VerificationStatus.REVIEW, source=VerificationSource.UPLOAD
    )
    pmo = _staff("pmo_admin")

    # when a PMO administrator opens the rollout's screen
    with django_assert_max_num_queries(11):  # type: ignore[operator]
        page = pmo.get(reverse("admin:applicants_verificationrollout_changelist"))

    # then the counts show where the people asked are
    body = page.content.decode()
    assert page.status_code == 200
    for name, count in {"requested": 3, "verified": 1, "in_review": 1, "not_yet": 1}.items():
        assert f'data-count="{name}">{count}<' in body, name
    assert reverse("admin:applicants_verificationrollout_start") in body
    assert rollout_progress(fresh=True) == RolloutProgress(
        requested=3, verified=1, in_review=1, not_yet=1, tried=0, reminded=0
    )
    assert not VerificationRequest.objects.get(applicant=idle).notices > 1

    # when they start a pass
    with django_capture_on_commit_callbacks() as queued:  # type: ignore[operator]
        answer = pmo.post(reverse("admin:applicants_verificationrollout_start"))
    # then it is queued for the workers and audited, with counts only
    assert answer.status_code == 302
    assert [c.name for c in queued if isinstance(c, QueuedTask)] == ["batch.identity_rollout"]
    event = AuditEvent.objects.get(action="identity.rollout_started", actor_user__isnull=False)
    assert set(event.payload) == {"until_applicant_id"}

    # and staff without the permission can neither start nor resume one
    verifier = _staff("verifier")
    assert verifier.post(reverse("admin:applicants_verificationrollout_start")).status_code == 403
    running = VerificationRollout.objects.get(status=RolloutStatus.RUNNING)
    assert verifier.post(reverse("admin:applicants_verificationrollout_resume", args=[running.pk])).status_code == 403
    auditor = _staff("auditor")
    assert auditor.get(reverse("admin:applicants_verificationrollout_changelist")).status_code == 200
    assert auditor.post(reverse("admin:applicants_verificationrollout_start")).status_code == 403


def _client(applicant: Applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def test_the_dashboard_calls_an_unverified_applicant_to_verify_before_the_next_wave() -> None:
    # given an old registrant ready to join a wave
    person = old_registrant()
    # when she opens her dashboard
    body = _client(person).get(reverse("applicants:dashboard")).content.decode()
    # then a call to action in Indonesian links to the selfie journey
    assert "Verifikasi identitas Anda sebelum gelombang berikutnya" in body
    assert f'href="{reverse("applicants:selfie")}" data-testid="identity-call"' in body


def test_a_refusal_for_an_unverified_identity_says_what_to_do(training_fund: int) -> None:
    # given an old registrant who joined a wave and was refused for her unverified identity
    wave = WaveFactory.create()
    member = WaveMemberFactory.create(wave=wave)
    Applicant.objects.filter(pk=member.applicant_id).update(identity_verified_at=None)
    wave_selection_run(wave_id=close(wave).pk, seed=1)
    wave.__class__.objects.filter(pk=wave.pk).update(status=WaveStatus.ANNOUNCED)
    client = _client(member.applicant)

    # when she opens her dashboard
    body = client.get(reverse("applicants:dashboard")).content.decode()

    # then the refusal says what to do, with the way to the selfie
    assert 'data-testid="identity-refusal"' in body
    assert "Yang perlu Anda lakukan: verifikasi identitas Anda dengan swafoto" in body
    assert reverse("applicants:selfie") in body

    # when she has verified since
    Applicant.objects.filter(pk=member.applicant_id).update(identity_verified_at=timezone.now())
    body = client.get(reverse("applicants:dashboard")).content.decode()

    # then the dashboard says she can join the next wave
    assert "Identitas Anda kini sudah terverifikasi" in body
    assert 'data-testid="identity-call"' not in body


def test_the_wave_result_message_says_what_to_do_after_an_unverified_refusal(
    training_fund: int, django_capture_on_commit_callbacks: object
) -> None:
    from applicants.waves.services.announcements import wave_notify_batch

    # given a wave whose selection refused an unverified identity
    wave = WaveFactory.create()
    member = WaveMemberFactory.create(wave=wave)
    Applicant.objects.filter(pk=member.applicant_id).update(identity_verified_at=None)
    wave_selection_run(wave_id=close(wave).pk, seed=1)
    # when the result is told
    with django_capture_on_commit_callbacks():  # type: ignore[operator]
        wave_notify_batch(wave_id=wave.pk)
    # then the message (Indonesian) tells the person to verify with the selfie and join the next wave
    sms = OutboxMessage.objects.get(channel=Channel.SMS, to=member.applicant.phone)
    assert "Verifikasi identitas Anda dengan swafoto di dasbor" in sms.body
