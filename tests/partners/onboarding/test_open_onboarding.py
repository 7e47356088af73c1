"""The open door: a platform applies without logging in, the entry criteria are checked and
shown, a partner manager approves (agreement, onboarding, API credentials) or rejects."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Province
from partners.models import ApplicationStatus, PartnerAPIKey, PartnerStatus, PlatformApplication, StatusChange
from partners.onboarding.services.applications import application_decide, coverage_needed
from partners.platforms.services.lifecycle import LifecycleError
from prakerja.core.actor import Actor
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _provinces(regions: None) -> None:
    """Two thirds of 38 provinces is 26."""


def apply(client: Client, *, provinces: int, company: str = "PT Belajar Bersama Nusantara") -> PlatformApplication:
    chosen = list(Province.objects.order_by("code").values_list("pk", flat=True)[:provinces])
    response = client.post(
        reverse("catalogue:platform-apply"),
        {
            "company_name": company,
            "platform_name": "BelajarBersama",
            "website": "https://belajarbersama.example.id",
            "business_id_number": "9120001234567",
            "tax_number": "0123456789012345",
            "contact_name": "Dewi Lestari",
            "contact_email": "dewi@belajarbersama.example.id",
            "contact_phone": "081234567890",
            "provinces": chosen,
            "can_integrate_payment": "on",
            "terms_accepted": "on",
        },
    )
    assert response.status_code == 200
    assert "Pendaftaran diterima" in response.content.decode()
    return PlatformApplication.objects.latest("pk")


def test_an_application_meeting_the_criteria_is_approved_into_onboarding_with_credentials(staff_groups):
    # given a platform that applies on the public form, covering 30 of 38 provinces
    assert coverage_needed() == 26
    application = apply(Client(), provinces=30)
    assert application.meets_criteria
    assert application.criteria["coverage"]["detail"] == "30 / 26 provinsi"

    # when a partner manager approves it with a reason
    manager = StaffUserFactory.create(group="partner_manager")
    decided, issued = application_decide(
        application_id=application.pk, approve=True, reason="Memenuhi kriteria", actor=Actor.for_user(manager)
    )

    # then the platform exists in onboarding, with the standard agreement, its history and a key
    partner = decided.partner
    assert decided.status == ApplicationStatus.APPROVED
    assert partner is not None
    assert partner.status == PartnerStatus.ONBOARDING
    assert partner.agreements.get().terms_version == application.terms_version
    assert list(StatusChange.objects.filter(partner=partner).values_list("to_status", flat=True).order_by("pk")) == [
        "agreement_signed",
        "onboarding",
    ]
    assert issued is not None
    assert PartnerAPIKey.objects.filter(partner=partner).count() == 1
    # and it may not sell until a partner manager takes it to active after the integration check
    assert not partner.may_do_new_business


def test_an_application_below_the_coverage_criterion_cannot_be_approved_only_rejected(staff_groups):
    application = apply(Client(), provinces=20, company="CV Bukan PT")
    assert not application.meets_criteria
    failed = {key for key, item in application.criteria.items() if not item["ok"]}
    assert failed == {"coverage", "limited_company"}
    manager = StaffUserFactory.create(group="partner_manager")

    with pytest.raises(LifecycleError):
        application_decide(application_id=application.pk, approve=True, reason="Coba", actor=Actor.for_user(manager))
    decided, issued = application_decide(
        application_id=application.pk,
        approve=False,
        reason="Cakupan kurang dari dua pertiga provinsi",
        actor=Actor.for_user(manager),
    )

    assert decided.status == ApplicationStatus.REJECTED
    assert issued is None
    assert decided.partner is None


def test_the_review_queue_shows_the_criteria_to_partner_managers_only(staff_groups):
    apply(Client(), provinces=30)
    manager, curator = Client(), Client()
    manager.force_login(StaffUserFactory.create(group="partner_manager"))
    curator.force_login(StaffUserFactory.create(group="curator"))
    url = reverse("admin:partners_platformapplication_changelist")
    assert "✓" in manager.get(url).content.decode()
    assert curator.get(url).status_code == 403
