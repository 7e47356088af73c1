"""Correction: an applicant whose identity a wave change froze asks for a correction with a
photo as evidence; it waits in the verifiers' queue in the admin; approval (with a reason)
applies it through the service, rejection leaves the data as it was; both audited with the
field's name only; the applicant sees the answer."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, CorrectionRequest, CorrectionStatus
from prakerja.audit.models import AuditEvent
from tests.factories import StaffUserFactory, WaveMemberFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the verifiers their group."""


def frozen_applicant() -> tuple[Client, Applicant]:
    """An applicant who joined a wave: the identity form no longer changes their name."""
    member = WaveMemberFactory.create()
    client = Client()
    client.force_login(member.applicant.user)
    return client, member.applicant


def verifier_client() -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group="verifier"))
    return client


def ask(client: Client, **data: object) -> object:
    form: dict[str, object] = {
        "field": "full_name",
        "value": "Budi Santosa",
        "explanation": "Salah ketik satu huruf.",
        "evidence": jpeg(),
    }
    form.update(data)
    return client.post(reverse("applicants:data-correction-new"), form)


def decide(client: Client, correction: CorrectionRequest, action: str, reason: str = "Sesuai KTP") -> object:
    return client.post(
        reverse("admin:applicants_correctionrequest_changelist"),
        {"action": action, "_selected_action": [correction.pk], "apply": "1", "reason": reason},
    )


def test_a_correction_with_evidence_is_approved_by_a_verifier_and_applied():
    # given an applicant frozen by a wave who asks to correct their name with a photo
    client, applicant = frozen_applicant()
    assert ask(client).status_code == 302  # type: ignore[attr-defined]
    correction = CorrectionRequest.objects.get(applicant=applicant)
    assert correction.status == CorrectionStatus.PENDING
    assert correction.evidence.name.startswith("private/data_rights/")

    # when a verifier opens the queue, sees the evidence and approves with a reason
    verifier = verifier_client()
    queue = verifier.get(reverse("admin:applicants_correctionrequest_changelist") + "?status__exact=pending")
    assert queue.status_code == 200
    page = verifier.get(reverse("admin:applicants_correctionrequest_change", args=[correction.pk])).content.decode()
    evidence_url = reverse("admin:applicants_correctionrequest_evidence", args=[correction.pk])
    assert evidence_url in page
    assert verifier.get(evidence_url)["Content-Type"] == "image/jpeg"
    decide(verifier, correction, "approve")

    # then the name is corrected, the applicant sees the answer, and the audit names only the field
    applicant.refresh_from_db()
    assert applicant.full_name == "Budi Santosa"
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED
    assert "Sesuai KTP" in client.get(reverse("applicants:my-data")).content.decode()
    events = AuditEvent.objects.filter(action__startswith="data_rights.correction_").order_by("pk")
    assert [e.action for e in events] == ["data_rights.correction_requested", "data_rights.correction_approved"]
    assert all(e.payload == {"field": "full_name"} for e in events)
    assert "Budi Santosa" not in json.dumps([e.payload for e in events])


def test_a_rejected_correction_leaves_the_data_as_it_was():
    # given a pending correction of the birth date
    client, applicant = frozen_applicant()
    ask(client, field="birth_date", value="18-05-1995")
    correction = CorrectionRequest.objects.get(applicant=applicant)
    before = applicant.birth_date

    # when a verifier rejects it
    decide(verifier_client(), correction, "reject", reason="Foto tidak terbaca")

    # then nothing changed but the request's status
    applicant.refresh_from_db()
    assert applicant.birth_date == before
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.REJECTED


def test_an_approved_birth_date_correction_sets_the_mismatch_flag_against_the_nik():
    # given a pending correction of the birth date to a day the NIK does not say
    client, applicant = frozen_applicant()
    ask(client, field="birth_date", value="18-05-1995")
    correction = CorrectionRequest.objects.get(applicant=applicant)
    # when it is approved
    decide(verifier_client(), correction, "approve")
    # then the date is applied and flagged as differing from the NIK
    applicant.refresh_from_db()
    assert str(applicant.birth_date) == "1995-05-18"
    assert applicant.flag_birth_date_mismatch


def test_a_request_needs_evidence_and_a_readable_value():
    # given an applicant
    client, _ = frozen_applicant()
    # when they send no photo, or a date that is not one
    no_photo = ask(client, evidence="")
    bad_date = ask(client, field="birth_date", value="kemarin")
    # then the form says what is missing and nothing is queued
    assert no_photo.status_code == 200  # type: ignore[attr-defined]
    assert bad_date.status_code == 200  # type: ignore[attr-defined]
    assert "17-05-1995" in bad_date.content.decode()  # type: ignore[attr-defined]
    assert not CorrectionRequest.objects.exists()


def test_only_verifiers_reach_the_queue_and_applicants_cannot():
    # given a pending correction
    client, applicant = frozen_applicant()
    ask(client)
    correction = CorrectionRequest.objects.get(applicant=applicant)
    evidence_url = reverse("admin:applicants_correctionrequest_evidence", args=[correction.pk])
    # when a curator or the applicant opens the evidence
    curator = Client()
    curator.force_login(StaffUserFactory.create(group="curator"))
    # then neither sees it
    assert curator.get(evidence_url).status_code in (403, 404)
    assert client.get(evidence_url).status_code == 302


def test_a_nik_correction_is_kept_encrypted_revealed_only_on_record_and_applied_on_approval():
    import datetime as dt

    from applicants.registration.nik import Gender, build_nik
    from applicants.registration.services.identity import nik_blind_index
    from prakerja.core.crypto import mask_identifier

    # given a frozen applicant who asks for their NIK to be corrected, with a photo of the KTP
    client, applicant = frozen_applicant()
    new_nik = build_nik(district_code="327301", birth_date=dt.date(1994, 3, 9), gender=Gender.FEMALE, serial=77)
    assert ask(client, field="nik", value=new_nik, explanation="Satu digit salah.").status_code == 302  # type: ignore[attr-defined]
    correction = CorrectionRequest.objects.get()

    # then the request shows the number masked and keeps it only encrypted
    assert correction.value == mask_identifier(new_nik)
    assert new_nik[4:12] not in correction.value
    assert correction.value_encrypted is not None
    assert new_nik.encode() not in bytes(correction.value_encrypted)
    verifier = verifier_client()
    page = verifier.get(reverse("admin:applicants_correctionrequest_change", args=[correction.pk])).content.decode()
    assert new_nik not in page

    # when the verifier asks to see it in full (a recorded POST action), then it is shown and audited
    shown = verifier.post(
        reverse("admin:applicants_correctionrequest_changelist"),
        {"action": "reveal_number", "_selected_action": [correction.pk]},
    )
    assert new_nik in shown.content.decode()
    assert AuditEvent.objects.filter(action="data_rights.correction_number_revealed").count() == 1

    # when they approve it
    decide(verifier, correction, "approve")

    # then the applicant holds the new NIK (encrypted, indexed, masked; the birth date and gender
    # read from it), the request keeps only the masked number, and no audit event holds it
    applicant.refresh_from_db()
    assert applicant.nik_index == nik_blind_index(new_nik)
    assert applicant.nik_masked.endswith(new_nik[-4:])
    assert applicant.nik_birth_date == dt.date(1994, 3, 9)
    assert applicant.gender == "F"
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED
    assert correction.value_encrypted is None
    trail = json.dumps([e.payload for e in AuditEvent.objects.all()]) + "".join(
        e.object_repr for e in AuditEvent.objects.all()
    )
    assert new_nik not in trail


def test_a_nik_held_by_another_account_is_not_applied():
    # given two applicants; the second asks for the first one's NIK
    from applicants.data_rights.services import correction_decide, correction_request
    from prakerja.core.actor import Actor
    from prakerja.core.crypto import decrypt_value

    _, first = frozen_applicant()
    _, second = frozen_applicant()
    taken = decrypt_value(first.nik_encrypted)  # type: ignore[arg-type]
    correction = correction_request(
        applicant=second, field="nik", value=taken, explanation="Milik saya.", evidence=jpeg()
    )
    # when a verifier approves, then it is refused and nothing changes
    from applicants.data_rights.services import DataRightsError

    with pytest.raises(DataRightsError) as refused:
        correction_decide(
            correction_id=correction.pk,
            approve=True,
            reason="ok",
            actor=Actor.for_user(StaffUserFactory.create(group="verifier")),
        )
    assert refused.value.code == "nik_taken"
    second.refresh_from_db()
    assert second.nik_index != first.nik_index


def test_a_kk_number_that_is_not_valid_is_refused_on_the_form():
    client, _ = frozen_applicant()
    response = ask(client, field="kk", value="1234")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not CorrectionRequest.objects.exists()
