import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.errors import CurationError
from courses.models import CourseStatus, TrainingInstitution
from courses.services.institutions import institution_create, signing_key_issue, signing_keys_valid
from partners.models import PartnerStatus
from partners.platforms.services.listings import listing_create, listing_update
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, PartnerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_an_institution_gets_a_client_code_and_a_key_shown_once():
    curator = StaffUserFactory.create()
    institution, key = institution_create(
        legal_name="PT Kursus Hebat",
        brand="Kursus Hebat",
        business_number="9120009998887",
        contact_email="a@b.id",
        actor=Actor.for_user(curator),
    )
    assert key is not None
    assert institution.client_code.startswith("kursushebat-")
    assert signing_keys_valid(institution=institution) == [key]
    stored = institution.signing_keys.get()
    assert key.encode() not in bytes(stored.key_encrypted)
    assert stored.key_hint == key[-4:]


def test_a_rotated_key_keeps_the_old_one_valid_for_the_overlap_only():
    curator = StaffUserFactory.create()
    institution, old = institution_create(
        legal_name="PT A",
        brand="A",
        business_number="9120001231231",
        contact_email="a@b.id",
        actor=Actor.for_user(curator),
    )
    new = signing_key_issue(institution=institution, actor=Actor.for_user(curator), overlap=dt.timedelta(days=7))
    assert signing_keys_valid(institution=institution) == [new, old]
    institution.signing_keys.filter(expires_at__isnull=False).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert signing_keys_valid(institution=institution) == [new]


def test_a_listing_may_not_cost_more_than_the_course():
    course = CourseFactory.create(price=500_000)
    partner = PartnerFactory.create()
    actor = Actor.partner(partner.slug)
    with pytest.raises(CurationError):
        listing_create(course=course, partner=partner, sku="X1", price=500_001, actor=actor)
    listing = listing_create(course=course, partner=partner, sku="X1", price=450_000, actor=actor)
    with pytest.raises(CurationError):
        listing_update(listing=listing, actor=actor, price=600_000)
    assert listing_update(listing=listing, actor=actor, is_active=False).is_active is False


@pytest.mark.parametrize(
    ("course_status", "partner_status"),
    [(CourseStatus.SUBMITTED, PartnerStatus.ACTIVE), (CourseStatus.APPROVED, PartnerStatus.SUSPENDED)],
)
def test_only_approved_courses_on_active_platforms_can_be_listed(course_status, partner_status):
    course = CourseFactory.create(status=course_status)
    partner = PartnerFactory.create(status=partner_status)
    with pytest.raises(CurationError):
        listing_create(course=course, partner=partner, sku="S", price=course.price, actor=Actor.partner(partner.slug))


def test_the_same_course_cannot_be_listed_twice_on_a_platform():
    course = CourseFactory.create()
    partner = PartnerFactory.create()
    listing_create(course=course, partner=partner, sku="A", price=course.price, actor=Actor.partner("p"))
    with pytest.raises(CurationError):
        listing_create(course=course, partner=partner, sku="B", price=course.price, actor=Actor.partner("p"))


@pytest.mark.parametrize(
    ("group", "can_view", "can_approve"),
    [
        ("curator", True, True),
        ("auditor", True, False),
        ("partner_manager", True, False),
        ("pmo_admin", True, False),
        ("finance", False, False),
        ("verifier", False, False),
    ],
)
def test_each_staff_group_reaches_only_what_its_job_needs(staff_groups, group, can_view, can_approve):
    course = CourseFactory.create(status=CourseStatus.IN_REVIEW)
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))

    listed = client.get(reverse("admin:courses_course_changelist"))
    client.post(reverse("admin:courses_course_changelist"), {"action": "approve", "_selected_action": [course.pk]})

    assert (listed.status_code == 200) is can_view
    course.refresh_from_db()
    assert (course.status == CourseStatus.APPROVED) is can_approve


def test_a_curator_registers_an_institution_and_a_pmo_admin_issues_its_key_once(staff_groups):
    client = Client()
    client.force_login(StaffUserFactory.create(group="curator"))
    pmo = Client()
    pmo.force_login(StaffUserFactory.create(group="pmo_admin"))
    response = client.post(
        reverse("admin:courses_traininginstitution_add"),
        {
            "legal_name": "PT Cakap Kerja",
            "brand": "Cakap Kerja",
            "business_number": "9120004445556",
            "licence_number": "",
            "contact_email": "halo@cakap.id",
            "contact_phone": "",
            "owners-TOTAL_FORMS": "0",
            "owners-INITIAL_FORMS": "0",
            "signing_keys-TOTAL_FORMS": "0",
            "signing_keys-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    institution = TrainingInstitution.objects.get(brand="Cakap Kerja")
    assert institution.client_code.startswith("cakapkerja-")
    assert institution.client_code in response.content.decode()
    assert signing_keys_valid(institution=institution) == []  # keys are the PMO administrators' to issue
    issued = pmo.post(
        reverse("admin:courses_traininginstitution_changelist"),
        {"action": "issue_signing_key", "_selected_action": [institution.pk]},
        follow=True,
    )
    key = signing_keys_valid(institution=institution)[0]
    assert key in issued.content.decode()
    assert (
        key not in pmo.get(reverse("admin:courses_traininginstitution_change", args=[institution.pk])).content.decode()
    )


def test_a_curator_rejects_in_the_admin_only_with_reasons(staff_groups):
    course = CourseFactory.create(status=CourseStatus.IN_REVIEW)
    client = Client()
    client.force_login(StaffUserFactory.create(group="curator"))
    url = reverse("admin:courses_course_changelist")

    asked = client.post(url, {"action": "reject", "_selected_action": [course.pk], "apply": "1"})
    course.refresh_from_db()
    assert asked.status_code == 200
    assert course.status == CourseStatus.IN_REVIEW

    client.post(url, {"action": "reject", "_selected_action": [course.pk], "apply": "1", "reasons": "Satu arah saja"})
    course.refresh_from_db()
    assert course.status == CourseStatus.REJECTED
    assert course.decision_reasons == "Satu arah saja"
