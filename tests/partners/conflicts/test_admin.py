"""Owners are recorded from the platform's and the institution's admin pages by partner managers
(audited, the NIK never shown back), and curators approve affiliated listings with a disclosure."""

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import InstitutionOwner
from partners.models import Listing, PlatformOwner
from prakerja.audit.models import AuditEvent
from tests.factories import InstitutionFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.conflicts import HOLDING_NIB, OWNER_NIK, form_data, holding, owns_institution, owns_platform

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _groups(staff_groups: None) -> None:
    """The staff groups and their permissions."""


def signed_in(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def with_owner(data: dict[str, list[str]], **owner: str) -> dict[str, list[str]]:
    """The change form's data with one more row in the owners inline."""
    n = int(data["owners-TOTAL_FORMS"][0])
    data = {**data, "owners-TOTAL_FORMS": [str(n + 1)]}
    for field, value in owner.items():
        data[f"owners-{n}-{field}"] = [value]
    return data


def test_a_partner_manager_records_an_institutions_owner_and_it_is_audited_without_the_nik():
    # given an institution and a partner manager (who may not edit the institution itself)
    institution = InstitutionFactory.create(brand="Akademi Digital")
    client = signed_in("partner_manager")
    url = reverse("admin:courses_traininginstitution_change", args=[institution.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = with_owner(
        form_data(page.content.decode()), kind="person", name="Budi Santoso", nik=OWNER_NIK, share_percent="51"
    )
    data["brand"] = ["Changed by the partner manager"]  # read-only for them: ignored
    # when they save the page
    answer = client.post(url, data)
    # then the owner is recorded by the service and audited, and nothing else changed
    assert answer.status_code == 302, answer.content.decode()[:3000]
    owner = InstitutionOwner.objects.get(institution=institution)
    assert owner.nik_masked == "3273********0007"
    institution.refresh_from_db()
    assert institution.brand == "Akademi Digital"
    saved = AuditEvent.objects.get(action="institution.owner_saved")
    assert saved.payload["owner"]["nik"] == "3273********0007"
    assert saved.actor_user is not None
    trail = " ".join(str(e.payload) + e.object_repr for e in AuditEvent.objects.all())
    assert OWNER_NIK not in trail
    # and the page never shows the NIK back
    assert OWNER_NIK not in client.get(url).content.decode()


def test_a_partner_manager_records_a_platforms_owner_and_its_affiliated_listing_is_flagged():
    listing = ListingFactory.create()
    owns_institution(listing.course.institution, **holding("60"))
    client = signed_in("partner_manager")
    url = reverse("admin:partners_partner_change", args=[listing.partner_id])
    data = with_owner(
        form_data(client.get(url).content.decode()),
        kind="legal_entity",
        name="PT Cakrawala Edukasi",
        registration_number=HOLDING_NIB,
        share_percent="40",
    )
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert PlatformOwner.objects.filter(partner=listing.partner).count() == 1
    assert Listing.objects.get(pk=listing.pk).affiliated
    assert AuditEvent.objects.filter(action="partner.owner_saved").exists()
    assert AuditEvent.objects.filter(action="listing.affiliation_flagged").exists()


def test_shares_above_100_percent_are_refused_on_the_page():
    partner = PartnerFactory.create()
    owns_platform(partner, **holding("70"))
    client = signed_in("partner_manager")
    url = reverse("admin:partners_partner_change", args=[partner.pk])
    data = with_owner(
        form_data(client.get(url).content.decode()),
        kind="legal_entity",
        name="PT Lain",
        registration_number="9120001111111",
        share_percent="40",
    )
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "110" in answer.content.decode()
    assert PlatformOwner.objects.count() == 1


def test_a_curator_reads_owners_but_cannot_record_them():
    institution = InstitutionFactory.create()
    owns_institution(institution, **holding())
    client = signed_in("curator")
    url = reverse("admin:courses_traininginstitution_change", args=[institution.pk])
    page = client.get(url)
    assert "PT Cakrawala Edukasi" in page.content.decode()
    data = with_owner(
        form_data(page.content.decode()), kind="legal_entity", name="PT Baru", registration_number="9120001111111",
        share_percent="10",
    )  # fmt: skip
    client.post(url, data)
    assert InstitutionOwner.objects.count() == 1


def affiliated_listing() -> Listing:
    listing = ListingFactory.create()
    owns_platform(listing.partner, **holding("40"))
    owns_institution(listing.course.institution, **holding("60"))
    return Listing.objects.get(pk=listing.pk)


def test_a_curator_approves_an_affiliated_listing_only_with_a_disclosure():
    listing = affiliated_listing()
    client = signed_in("curator")
    changelist = reverse("admin:partners_listing_changelist")
    action = {"action": "approve_disclosure", "_selected_action": [listing.pk]}
    # the page offers a first wording drawn from the owners
    asked = client.post(changelist, action)
    assert "PT Cakrawala Edukasi memiliki 40%" in asked.content.decode()
    # without a disclosure: refused on the form, still off sale
    refused = client.post(changelist, {**action, "apply": "1", "disclosure": "", "disclosure_en": ""})
    assert refused.status_code == 200
    assert "hanya disetujui dengan pengungkapannya" in refused.content.decode()
    assert not Listing.objects.get(pk=listing.pk).is_active
    # with one: approved and on sale
    client.post(
        changelist, {**action, "apply": "1", "disclosure": "Terafiliasi lewat PT Cakrawala.", "disclosure_en": ""}
    )
    approved = Listing.objects.get(pk=listing.pk)
    assert approved.is_active
    assert approved.disclosure == "Terafiliasi lewat PT Cakrawala."


def test_only_curators_approve_disclosures():
    listing = affiliated_listing()
    client = signed_in("partner_manager")
    client.post(
        reverse("admin:partners_listing_changelist"),
        {"action": "approve_disclosure", "_selected_action": [listing.pk], "apply": "1", "disclosure": "x"},
    )
    assert Listing.objects.get(pk=listing.pk).disclosed_at is None


@pytest.mark.parametrize("listings", [1, 4])
def test_the_listings_list_runs_a_fixed_number_of_queries(listings, django_assert_num_queries):
    for _ in range(listings):
        affiliated_listing()
    client = signed_in("curator")
    url = reverse("admin:partners_listing_changelist") + "?affiliated__exact=1"
    client.get(url)
    # the same for one listing or four
    with django_assert_num_queries(11):
        page = client.get(url)
    assert page.status_code == 200
