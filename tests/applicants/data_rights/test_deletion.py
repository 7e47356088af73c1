"""Deletion and restriction: an applicant never selected deletes their account with their
password (personal fields blanked, KTP photo deleted, audited without personal data); a
participant with a card is told in Indonesian why their records stay, and can ask for
restriction, which is recorded."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, RestrictionRequest, Step
from prakerja.audit.models import AuditEvent
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from tests.applicants.incentive_setups import fund_incentives, participants
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None) -> None:
    """Applicants need provinces."""


def signed_in(applicant: Applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def test_an_applicant_never_selected_deletes_their_account(django_capture_on_commit_callbacks):
    # given an applicant with a KTP photo and no card
    applicant = ApplicantFactory.create(reached=Step.READY)
    applicant.ktp_photo.save("ktp.jpg", ContentFile(b"foto"), save=True)
    photo = applicant.ktp_photo.name
    name, email = applicant.full_name, applicant.user.email
    # ... who acted before, and whom staff changed in the admin (both in the trail)
    audit_record(actor=Actor.for_user(applicant.user), action="applicant.personal_saved", target=applicant)
    LogEntry.objects.log_actions(
        user_id=StaffUserFactory.create().pk, queryset=[applicant], action_flag=CHANGE, change_message="review"
    )
    client = signed_in(applicant)
    assert reverse("applicants:account-delete") in client.get(reverse("applicants:my-data")).content.decode()

    # when they confirm with a wrong password, then nothing is deleted
    wrong = client.post(reverse("applicants:account-delete"), {"password": "salah-sandi"})
    assert wrong.status_code == 200
    assert Applicant.objects.get(pk=applicant.pk).full_name == name

    # when they confirm with their password
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applicants:account-delete"), {"password": DEFAULT_PASSWORD})

    # then they are signed out, their personal fields are blank, the photo is gone
    assert response.status_code == 302
    assert client.get(reverse("applicants:dashboard")).status_code == 302
    applicant.refresh_from_db()
    applicant.user.refresh_from_db()
    assert applicant.full_name == ""
    assert applicant.nik_encrypted is None
    assert applicant.nik_index is None
    assert applicant.phone == ""
    assert applicant.birth_date is None
    assert not applicant.ktp_photo
    assert not default_storage.exists(photo)
    assert not applicant.user.is_active
    assert not applicant.user.has_usable_password()
    assert email not in applicant.user.email

    # and the audit holds no personal data
    event = AuditEvent.objects.get(action="data_rights.account_deleted")
    text = json.dumps(event.payload) + event.actor_label + event.object_repr
    assert event.payload["applicant_id"] == applicant.pk
    assert name not in text
    assert email not in text
    # nor does any earlier event of the trail (registration, the photo, the test, ...)
    everything = [json.dumps(e.payload) + e.actor_label + e.object_repr for e in AuditEvent.objects.all()]
    assert len(everything) > 1
    assert not [t for t in everything if email in t or name in t]


def test_a_participant_with_a_card_cannot_delete_but_can_ask_for_restriction():
    # given a participant with a card
    fund_incentives()
    applicant = participants(1)[0].applicant
    client = signed_in(applicant)

    # when they open their personal data page
    page = client.get(reverse("applicants:my-data")).content.decode()

    # then it explains in Indonesian that card records are kept, and deletion is refused
    assert "masa retensi" in page
    assert reverse("applicants:account-delete") not in page
    refused = client.post(reverse("applicants:account-delete"), {"password": DEFAULT_PASSWORD})
    assert refused.status_code == 200
    assert Applicant.objects.get(pk=applicant.pk).full_name == applicant.full_name
    assert applicant.user.is_active

    # when they ask for restriction
    client.post(reverse("applicants:data-restriction"), {"reason": "Jangan kirimi saya promosi."})

    # then it is recorded and audited without the reason's words
    assert RestrictionRequest.objects.filter(applicant=applicant).count() == 1
    event = AuditEvent.objects.get(action="data_rights.restriction_requested")
    assert "promosi" not in json.dumps(event.payload)


def test_a_granted_restriction_withdraws_consents_and_keeps_the_person_out_of_new_processing(
    staff_groups: None, django_capture_on_commit_callbacks
):
    from applicants.errors import ApplicantError
    from applicants.models import Consent, ConsentPurpose, Province, RestrictionStatus, WaveStatus
    from applicants.privacy.services import PrivacyError, consent_set
    from applicants.waves.services.waves import wave_join
    from tests.factories import WaveFactory

    # given a participant who shares contact data with platforms and asks for restriction
    fund_incentives()
    applicant = participants(1)[0].applicant
    consent_set(applicant=applicant, purpose=ConsentPurpose.PLATFORM_MARKETING, granted=True)
    client = signed_in(applicant)
    client.post(reverse("applicants:data-restriction"), {"reason": "Batasi pemakaian data saya."})
    # ... and asks again while it waits: told, not recorded twice
    again = client.post(reverse("applicants:data-restriction"), {"reason": "Lagi."}, follow=True)
    assert "sudah" in again.content.decode().lower() or "already" in again.content.decode().lower()
    restriction = RestrictionRequest.objects.get(applicant=applicant)

    # when a verifier grants it with a reason
    verifier = Client()
    verifier.force_login(StaffUserFactory.create(group="verifier"))
    with django_capture_on_commit_callbacks(execute=True):
        verifier.post(
            reverse("admin:applicants_restrictionrequest_changelist"),
            {"action": "grant", "_selected_action": [restriction.pk], "apply": "1", "reason": "Sesuai UU PDP"},
        )

    # then the request is granted, the consent withdrawn, and the person told by email
    restriction.refresh_from_db()
    assert restriction.status == RestrictionStatus.GRANTED
    applicant.refresh_from_db()
    assert applicant.processing_restricted_at is not None
    assert not Consent.objects.get(applicant=applicant, purpose=ConsentPurpose.PLATFORM_MARKETING).granted
    assert AuditEvent.objects.get(action="data_rights.restriction_granted").payload == {"consents_withdrawn": 1}
    # and the consent cannot be given again, nor a new wave joined
    with pytest.raises(PrivacyError):
        consent_set(applicant=applicant, purpose=ConsentPurpose.PLATFORM_MARKETING, granted=True)
    wave = WaveFactory.create(status=WaveStatus.OPEN)
    with pytest.raises(ApplicantError) as refused:
        wave_join(applicant=applicant, wave=wave, province=Province.objects.get(code="32"), statements_accepted=True)
    assert refused.value.code == "processing_restricted"
    # and the applicants' analysis export leaves them out
    pmo = Client()
    pmo.force_login(StaffUserFactory.create(group="pmo_admin"))
    export = pmo.get(reverse("admin:applicants_applicant_export"))
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert f"\n{applicant.pk}," not in body
    # and the page shows the decision
    page = client.get(reverse("applicants:my-data")).content.decode()
    assert 'data-status="granted"' in page
    assert "Sesuai UU PDP" in page
