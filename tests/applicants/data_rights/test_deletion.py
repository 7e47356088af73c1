"""Deletion and restriction: an applicant never selected deletes their account with their
password (personal fields blanked, KTP photo deleted, audited without personal data); a
participant with a card is told in Indonesian why their records stay, and can ask for
restriction, which is recorded."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, RestrictionRequest, Step
from prakerja.audit.models import AuditEvent
from tests.applicants.incentive_setups import fund_incentives, participants
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory

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
