"""Breach notification: a PMO administrator describes a leaked data set (a wave, a province,
a list of applicant ids), sees who is affected, and notifies them by email through messaging;
audited with counts only; once only; other staff cannot."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import BreachNotification, Province
from prakerja.accounts.models import User
from prakerja.audit.models import AuditEvent
from prakerja.messaging.models import OutboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, StaffUserFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the staff their groups."""


def staff(group: str) -> tuple[Client, User]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_pmo_notifies_the_people_of_a_leaked_wave_export(django_capture_on_commit_callbacks):
    # given two members of a wave in West Java and one applicant outside it
    first = WaveMemberFactory.create()
    WaveMemberFactory.create(wave=first.wave)
    outsider = ApplicantFactory.create()
    province = Province.objects.get(code="32")
    client, _ = staff("pmo_admin")

    # when the PMO describes the leaked export by wave and province
    response = client.post(
        reverse("admin:applicants_breachnotification_add"),
        {
            "description": "Ekspor peserta gelombang terkirim ke alamat salah",
            "wave": first.wave.pk,
            "province": province.pk,
            "applicant_ids": "",
            "subject": "Pemberitahuan kebocoran data",
            "body": "Data Anda termasuk dalam berkas yang bocor.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notification = BreachNotification.objects.get()

    # then the screen lists the two people affected
    page = client.get(reverse("admin:applicants_breachnotification_change", args=[notification.pk])).content.decode()
    assert first.applicant.full_name in page

    # when they notify them
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(
            reverse("admin:applicants_breachnotification_changelist"),
            {"action": "notify", "_selected_action": [notification.pk]},
        )
    run_after_commit_tasks(callbacks)

    # then the two get an email through messaging, the outsider none, and the audit has counts only
    outbox = OutboxMessage.objects.filter(reference__startswith=f"breach:{notification.pk}:")
    assert outbox.count() == 2
    assert not outbox.filter(to=outsider.user.email).exists()
    event = AuditEvent.objects.get(action="data_rights.breach_notified")
    assert event.payload == {"notified": 2}
    assert first.applicant.user.email not in json.dumps(event.payload) + event.object_repr

    # and a second notify sends nothing more
    with django_capture_on_commit_callbacks() as again:
        client.post(
            reverse("admin:applicants_breachnotification_changelist"),
            {"action": "notify", "_selected_action": [notification.pk]},
        )
    assert not again
    assert outbox.count() == 2


def test_a_large_data_set_is_notified_in_batches_over_one_connection_each(django_capture_on_commit_callbacks):
    from applicants.data_rights.services import breach_notify
    from prakerja.core.actor import Actor
    from prakerja.core.queueing import QueuedTask
    from prakerja.messaging.models import OutboxStatus, SandboxMessage
    from prakerja.messaging.services import EMAIL_BATCH

    # given a leaked list of a batch and a half of people
    people = ApplicantFactory.create_batch(EMAIL_BATCH + EMAIL_BATCH // 2)
    _, user = staff("pmo_admin")
    notification = BreachNotification.objects.create(
        description="x",
        subject="Pemberitahuan",
        body="Data Anda bocor.",
        created_by=user,
        applicant_ids=[p.pk for p in people],
    )
    # when the PMO notifies them
    with django_capture_on_commit_callbacks() as callbacks:
        assert breach_notify(notification_id=notification.pk, actor=Actor.for_user(user)) == len(people)
    # then two batch tasks are queued (not one per person), and the workers send every email once
    tasks = [c for c in callbacks if isinstance(c, QueuedTask)]
    assert [t.name for t in tasks] == ["messaging.email_send_batch"] * 2
    run_after_commit_tasks(callbacks)
    run_after_commit_tasks(callbacks)  # a redelivered batch sends nothing twice
    outbox = OutboxMessage.objects.filter(reference__startswith=f"breach:{notification.pk}:")
    assert outbox.filter(status=OutboxStatus.SENT).count() == len(people)
    assert SandboxMessage.objects.filter(reference__startswith=f"breach:{notification.pk}:").count() == len(people)


def test_a_list_of_ids_chooses_exactly_those_people_and_no_criterion_chooses_nobody():
    from applicants.data_rights.selectors import breach_affected

    # given three applicants
    people = ApplicantFactory.create_batch(3)
    _, user = staff("pmo_admin")
    chosen = BreachNotification.objects.create(
        description="x", subject="s", body="b", created_by=user, applicant_ids=[people[0].pk, people[2].pk]
    )
    empty = BreachNotification.objects.create(description="x", subject="s", body="b", created_by=user)
    # then the ids choose those two and no criterion chooses nobody
    assert list(breach_affected(notification=chosen)) == [people[0], people[2]]
    assert not breach_affected(notification=empty).exists()


def test_a_verifier_cannot_reach_the_breach_screen():
    client, _ = staff("verifier")
    response = client.get(reverse("admin:applicants_breachnotification_changelist"))
    assert response.status_code == 403
