"""Verifier screens: masked lists, search by exact NIK, reviews and reveals, all audited."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Applicant, ReviewStatus, Step
from applicants.registration.services.identity import applicant_identity_submit
from prakerja.audit.models import AuditEvent
from tests.factories import ApplicantFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

NIK = "3273011705950001"


@pytest.fixture
def verifier(staff_groups):
    user = StaffUserFactory.create(group="verifier")
    client = Client()
    client.force_login(user)
    return user, client


def with_identity(birth_date: str = "1995-05-17") -> Applicant:
    import datetime as dt

    applicant = ApplicantFactory.create(reached=Step.IDENTITY)
    return applicant_identity_submit(
        applicant=applicant,
        nik=NIK,
        kk_number="3273010101000123",
        full_name="Budi Santoso",
        birth_date=dt.date.fromisoformat(birth_date),
        today=dt.date(2026, 11, 27),
    )


def test_the_list_shows_masked_niks_in_a_fixed_number_of_queries(verifier, django_assert_max_num_queries):
    _, client = verifier
    ApplicantFactory.create_batch(5, reached=Step.READY)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:applicants_applicant_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "3273********" in body
    assert "170595" not in body


def test_an_exact_nik_finds_the_applicant_through_the_blind_index(verifier):
    _, client = verifier
    applicant = with_identity()
    ApplicantFactory.create_batch(3, reached=Step.READY)
    # the list offers the NIK as a posted form, beside the search box and the export button
    page = client.get(reverse("admin:applicants_applicant_changelist")).content.decode()
    assert f'method="post" action="{reverse("admin:applicants_applicant_nik_search")}"' in page
    assert reverse("admin:applicants_applicant_export") in page
    response = client.post(
        reverse("admin:applicants_applicant_nik_search"), {"nik": "3273 0117 0595 0001"}, follow=True
    )
    assert "327301170595" not in response.redirect_chain[-1][0]
    assert list(response.context["cl"].result_list) == [applicant]
    # and a NIK typed into the GET search box is not searched, with a word why
    typed = client.get(reverse("admin:applicants_applicant_changelist"), {"q": "3273011705950001"})
    assert list(typed.context["cl"].result_list) == []
    assert "NIK" in " ".join(str(m) for m in typed.context["messages"])


def test_a_verifier_clears_a_birth_date_flag_with_a_reason_and_it_is_audited(verifier):
    user, client = verifier
    applicant = with_identity(birth_date="1995-05-18")
    assert applicant.review_status == ReviewStatus.PENDING
    url = reverse("admin:applicants_applicant_changelist")

    # without a reason the form asks for one
    response = client.post(url, {"action": "clear_flags", "_selected_action": [applicant.pk], "apply": "1"})
    assert response.status_code == 200
    applicant.refresh_from_db()
    assert applicant.review_status == ReviewStatus.PENDING

    client.post(
        url,
        {"action": "clear_flags", "_selected_action": [applicant.pk], "apply": "1", "reason": "Akta lahir diperiksa"},
    )

    applicant.refresh_from_db()
    assert applicant.review_status == ReviewStatus.CLEARED
    assert applicant.reviewed_by == user
    event = AuditEvent.objects.get(action="applicant.review_cleared")
    assert event.payload["reason"] == "Akta lahir diperiksa"


def test_revealing_a_nik_is_audited_and_needs_the_permission(verifier, staff_groups):
    user, client = verifier
    applicant = with_identity()
    url = reverse("admin:applicants_applicant_reveal", args=[applicant.pk])

    response = client.post(url)

    assert NIK in response.content.decode()
    assert AuditEvent.objects.filter(action="applicant.reveal_identifiers", actor_user=user).count() == 1

    curator = StaffUserFactory.create(group="curator")
    other = Client()
    other.force_login(curator)
    assert NIK not in other.post(url).content.decode()
    assert AuditEvent.objects.filter(action="applicant.reveal_identifiers").count() == 1
