"""Assisted registration: a regional officer registers a person without internet access (alone,
or a group from a CSV file worked by a task), in their own province only, with the person's
consent recorded; the code goes to the person's own phone and the password link to their own
email; every step is audited and shown to the person on their dashboard."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.assisted.models import AssistedBatch, AssistedRegistration, AssistedStatus, BatchStatus, StaffRegion
from applicants.assisted.services import AssistedError, Person, assisted_register
from applicants.models import Applicant, NoticeAcceptance, PrivacyNotice, Province, Step
from applicants.privacy.selectors import notice_current
from applicants.registration.nik import Gender, build_nik
from prakerja.accounts.models import User
from prakerja.accounts.roles import REGIONAL_OFFICER, VERIFIER
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Regions, staff groups and a privacy notice in force (a transactional test elsewhere may
    have flushed the one the migration seeds)."""
    if notice_current() is None:
        PrivacyNotice.objects.create(
            version=99, title="Pemberitahuan", summary="Ringkas", text="Isi", published_at=timezone.now()
        )


def officer(province: str = "32") -> User:
    user = StaffUserFactory.create(group=REGIONAL_OFFICER)
    StaffRegion.objects.create(user=user, province=Province.objects.get(code=province), office="Disnaker Kota Bandung")
    return user


def person(n: int = 1, *, regency: str = "3273", **changes: Any) -> Person:
    values: dict[str, Any] = {
        "email": f"warga{n}@contoh.id",
        "nik": build_nik(district_code="327301", birth_date=dt.date(1990, 1, n), gender=Gender.MALE, serial=n),
        "kk_number": f"3273010101{n:06d}",
        "full_name": f"Warga Desa {n}",
        "birth_date": dt.date(1990, 1, n),
        "phone": f"0812345{n:05d}",
        "regency_code": regency,
        "consent_reference": f"F-{n:04d}",
    }
    values.update(changes)
    return Person(**values)


def sms_code(phone_tail: str) -> str:
    message = SandboxMessage.objects.filter(channel="sms", to__endswith=phone_tail).order_by("-id").first()
    assert message is not None, "no code was sent to the person's phone"
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None
    return found.group(1)


def test_an_officer_registers_a_person_whose_phone_gets_the_code_and_who_sees_what_was_done(
    django_capture_on_commit_callbacks,
):
    # given a regional officer of West Java in the admin
    staff = officer()
    client = Client()
    client.force_login(staff)
    data = person()

    # when they register a person of Bandung with the signed consent form's number
    with django_capture_on_commit_callbacks() as sent:
        response = client.post(
            reverse("admin:applicants_assistedregistration_add"),
            {
                "full_name": data.full_name,
                "nik": data.nik,
                "kk_number": data.kk_number,
                "birth_date": data.birth_date.isoformat(),
                "phone": data.phone,
                "email": data.email,
                "regency": "3273",
                "consent_reference": data.consent_reference,
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    run_after_commit_tasks(sent)

    # then the account exists at the personal-data step's door, the notice accepted in person,
    # and a code went to the person's own phone (not to the officer)
    registration = AssistedRegistration.objects.select_related("applicant__user").get()
    applicant = registration.applicant
    assert applicant.step == Step.PERSONAL or applicant.step == Step.CONTACT
    assert not applicant.user.has_usable_password()
    assert NoticeAcceptance.objects.get(applicant=applicant).channel == "assisted"
    code = sms_code(data.phone[-5:])

    # when the officer enters the code the person reads out
    with django_capture_on_commit_callbacks() as mailed:
        client.post(
            reverse("admin:applicants_assistedregistration_changelist"),
            {"action": "confirm_code", "_selected_action": [registration.pk], "apply": "1", "code": code},
        )
    run_after_commit_tasks(mailed)

    # then the phone is verified, and the person gets a link to set their own password by email
    registration.refresh_from_db()
    assert registration.status == AssistedStatus.COMPLETED
    applicant.refresh_from_db()
    assert applicant.phone_verified_at is not None
    assert applicant.step == Step.PERSONAL
    link = SandboxMessage.objects.filter(channel="email", to=data.email, reference__startswith="assisted-password")
    assert "/atur-sandi/" in link.get().body

    # and every step is audited on the person, the officer named, no identifier in the payloads
    actions = list(
        AuditEvent.objects.filter(object_type="applicants.applicant", object_id=str(applicant.pk))
        .order_by("occurred_at")
        .values_list("action", "actor_user")
    )
    assert ("assisted.registered", staff.pk) in actions
    assert ("assisted.phone_confirmed", staff.pk) in actions
    assert data.nik not in str(list(AuditEvent.objects.values_list("payload", flat=True)))

    # and the person, signed in, sees who registered them and what officers did
    own = Client()
    own.force_login(applicant.user)
    page = own.get(reverse("applicants:dashboard")).content.decode()
    assert 'data-assisted="completed"' in page
    assert "Disnaker Kota Bandung" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"regency_code": "3578"}, "regency_code"),  # Surabaya: East Java, not the officer's province
        ({"consent_reference": " "}, "consent_reference"),
        ({"email": "bukan-email"}, "email"),
    ],
)
def test_an_officer_cannot_register_outside_their_province_or_without_consent(changes: dict[str, str], field: str):
    staff = officer()
    with pytest.raises(AssistedError) as refused:
        assisted_register(person=person(1, **changes), actor=Actor.for_user(staff))
    assert refused.value.field == field
    assert not Applicant.objects.exists()


def test_staff_of_other_groups_cannot_assist_and_an_officer_sees_only_their_province():
    # given a West Java officer's registration and an East Java officer
    west = officer("32")
    assisted_register(person=person(), actor=Actor.for_user(west))
    east = officer("35")
    # then a verifier cannot open the registration screen, nor register through the service
    verifier = StaffUserFactory.create(group=VERIFIER)
    client = Client()
    client.force_login(verifier)
    assert client.get(reverse("admin:applicants_assistedregistration_add")).status_code == 403
    with pytest.raises(AssistedError):
        assisted_register(person=person(2), actor=Actor.for_user(verifier))
    # and the East Java officer does not see the West Java registration
    client.force_login(east)
    listing = client.get(reverse("admin:applicants_assistedregistration_changelist")).content.decode()
    assert "Disnaker Kota Bandung" not in listing
    client.force_login(west)
    assert (
        "Disnaker Kota Bandung"
        in client.get(reverse("admin:applicants_assistedregistration_changelist")).content.decode()
    )


def test_a_group_csv_is_registered_by_the_task_with_progress_and_refusals_by_row(django_capture_on_commit_callbacks):
    # given a CSV of three people: one fine, one with a wrong NIK, one outside the province
    staff = officer()
    good, bad_nik, outside = person(1), person(2, nik="123"), person(3, regency="3578")
    header = "email,nik,kk,nama,tanggal_lahir,hp,kode_kabupaten,formulir_persetujuan\n"
    lines = [
        f"{p.email},{p.nik},{p.kk_number},{p.full_name},{p.birth_date:%d-%m-%Y},{p.phone},{p.regency_code},{p.consent_reference}"
        for p in (good, bad_nik, outside)
    ]
    upload = SimpleUploadedFile("grup.csv", (header + "\n".join(lines)).encode(), content_type="text/csv")
    client = Client()
    client.force_login(staff)

    # when the officer uploads it and the worker runs the task
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("admin:applicants_assistedbatch_add"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    run_after_commit_tasks(queued)

    # then one person is registered, the two others refused by row number without their data
    batch = AssistedBatch.objects.get()
    assert (batch.status, batch.rows, batch.processed, batch.registered) == (BatchStatus.DONE, 3, 3, 1)
    assert [p["row"] for p in batch.problems] == [2, 3]
    assert bad_nik.nik not in str(batch.problems)
    assert AssistedRegistration.objects.get().batch == batch
    # and the file with the group's identities is gone
    assert not batch.file
    # and the page shows the progress
    page = client.get(reverse("admin:applicants_assistedbatch_changelist")).content.decode()
    assert "3/3" in page
