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
