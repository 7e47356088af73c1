"""Conflicts of interest: owners recorded for platforms and institutions, affiliated listings
flagged and kept off sale until a curator approves their disclosure, which the course page shows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from courses.errors import OwnershipError
from courses.models import CourseStatus, InstitutionOwner, OwnerKind
from courses.services.curation import course_approve
from courses.services.ownership import StakeWrite, institution_owners_apply
from partners.conflicts.errors import DisclosureError
from partners.conflicts.selectors import disclosure_draft
from partners.conflicts.services.affiliations import affiliated_pairs, listings_affiliation_refresh
from partners.conflicts.services.disclosures import listing_disclosure_approve
from partners.conflicts.services.owners import partner_business_number_set, platform_owners_apply
from partners.models import Listing, PlatformOwner
from partners.platforms.services.listings import listing_create, listing_update
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.core.pagecache import page_version
from tests.factories import CourseFactory, InstitutionFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.conflicts import OWNER_NIK, PMO, holding, owns_institution, owns_platform, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_sale() -> Listing:
    """A course of one institution on sale on a platform; nobody's owners recorded yet."""
    return ListingFactory.create(
        partner=PartnerFactory.create(name="Pintaria"), course__institution=InstitutionFactory.create(brand="Akademi")
    )


def fresh(listing: Listing) -> Listing:
    return Listing.objects.get(pk=listing.pk)


def test_a_legal_entity_owning_both_flags_the_listing_and_takes_it_off_sale(on_sale):
    # given a holding company recorded as an owner of the platform
    owns_platform(on_sale.partner, **holding("40"))
    assert not fresh(on_sale).affiliated
    # when the same company (its NIB written with dots) is recorded for the institution
    owns_institution(on_sale.course.institution, **{**holding("60"), "registration_number": "912.000.999.0001"})
    # then the listing is flagged and waits, off sale, for a curator's disclosure
    listing = fresh(on_sale)
    assert (listing.affiliated, listing.is_active, listing.withheld_for_disclosure) == (True, False, True)
    assert affiliated_pairs() == {(on_sale.partner_id, on_sale.course.institution_id)}
    assert AuditEvent.objects.filter(action="listing.affiliation_flagged", object_id=str(listing.pk)).exists()


def test_the_same_person_is_matched_by_the_nik_blind_index_and_the_nik_is_kept_nowhere(on_sale):
    # given the same beneficial owner typed once with spaces and once without
    owns_platform(on_sale.partner, nik="3273 0112 0580 0007", **person("35"))
    owns_institution(on_sale.course.institution, nik=OWNER_NIK, **person("51"))
    # then the platform and the institution are affiliated
    assert fresh(on_sale).affiliated
    # and the NIK is stored only as a blind index and a masked copy, and audited masked
    owner = InstitutionOwner.objects.get()
    assert owner.owner_key.startswith("nik:")
    assert OWNER_NIK not in owner.owner_key
    assert owner.nik_masked == "3273********0007"
    payloads = [str(e.payload) + e.object_repr for e in AuditEvent.objects.filter(action__contains="owner")]
    assert payloads
    assert not any(OWNER_NIK in text or "Budi" in text for text in payloads)


def test_two_different_people_are_not_affiliated(on_sale):
    owns_platform(on_sale.partner, nik=OWNER_NIK, **person())
    owns_institution(on_sale.course.institution, nik="3273011205800008", **person())
    assert not fresh(on_sale).affiliated


def test_a_platform_owning_the_institution_is_affiliated(on_sale):
    # given the platform's own NIB
    partner_business_number_set(partner=on_sale.partner, business_number="9120005550001", actor=PMO)
    # when the institution records the platform's company as its owner
    owns_institution(on_sale.course.institution, **{**holding("100"), "registration_number": "9120005550001"})
    # then
    assert fresh(on_sale).affiliated
    draft_id, draft_en = disclosure_draft(partner=on_sale.partner, institution=on_sale.course.institution)
    assert "memiliki 100%" in draft_id
    assert "owns 100% of" in draft_en


def test_an_institution_owning_the_platform_and_one_company_being_both_are_affiliated(on_sale):
    institution = on_sale.course.institution
    owns_platform(on_sale.partner, **{**holding("25"), "registration_number": institution.business_number})
    assert fresh(on_sale).affiliated
    other = ListingFactory.create()
    partner_business_number_set(
        partner=other.partner, business_number=other.course.institution.business_number, actor=PMO
    )
    assert fresh(other).affiliated


def test_removing_the_shared_owner_clears_the_flag_and_puts_the_withheld_listing_back_on_sale(on_sale):
    # given an affiliated listing approved with its disclosure
    stake = owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    curator = StaffUserFactory.create()
    listing_disclosure_approve(listing=on_sale, disclosure="Terafiliasi.", actor=Actor.for_user(curator))
    # when the platform's stake is removed
    platform_owners_apply(partner=on_sale.partner, writes=[], removals=[stake], actor=PMO)
    # then the listing is plain again, on sale, and its approval ended with the affiliation
    listing = fresh(on_sale)
    assert (listing.affiliated, listing.is_active, listing.withheld_for_disclosure) == (False, True, False)
    assert listing.disclosed_at is None
    assert AuditEvent.objects.filter(action="partner.owner_removed").exists()


def test_an_owner_must_be_identified_and_shares_cannot_pass_100_percent(on_sale):
    institution = on_sale.course.institution
    with pytest.raises(OwnershipError) as no_number:
        owns_institution(institution, **{**holding(), "registration_number": "12345"})
    assert no_number.value.field == "registration_number"
    with pytest.raises(OwnershipError) as no_nik:
        owns_institution(institution, **person())
    assert no_nik.value.field == "nik"
    with pytest.raises(OwnershipError) as bad_nik:
        owns_institution(institution, nik="3273010000000000", **person())
    assert bad_nik.value.field == "nik"
    owns_institution(institution, **holding("70"))
    with pytest.raises(OwnershipError) as too_much:
        owns_institution(institution, nik=OWNER_NIK, **person("31"))
    assert too_much.value.field == "share_percent"
    assert InstitutionOwner.objects.count() == 1  # the refused stake rolled back


def test_the_database_holds_the_share_range_and_the_identity(on_sale):
    base = {"institution": on_sale.course.institution, "name": "PT X"}
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionOwner.objects.create(
            **base, kind=OwnerKind.LEGAL_ENTITY, registration_number="9120000000001", owner_key="nib:1",
            share_percent=Decimal("100.01"),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionOwner.objects.create(**base, kind=OwnerKind.PERSON, owner_key="name:x", share_percent=1)


def test_a_curator_cannot_approve_an_affiliated_listing_without_a_disclosure(on_sale):
    owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    curator = Actor.for_user(StaffUserFactory.create())
    # when approved without a disclosure: refused, still off sale
    with pytest.raises(DisclosureError) as refused:
        listing_disclosure_approve(listing=on_sale, disclosure="   ", actor=curator)
    assert (refused.value.code, refused.value.field) == ("disclosure_required", "disclosure")
    assert not fresh(on_sale).is_active
    # when approved with one: on sale again, audited with the text
    listing_disclosure_approve(
        listing=on_sale,
        disclosure="PT Cakrawala memiliki keduanya.",
        disclosure_en="PT Cakrawala owns both.",
        actor=curator,
    )
    listing = fresh(on_sale)
    assert listing.is_active
    assert listing.disclosed_by == curator.user
    event = AuditEvent.objects.get(action="listing.disclosure_approved")
    assert event.payload["disclosure"] == "PT Cakrawala memiliki keduanya."


def test_a_plain_listing_has_nothing_to_disclose(on_sale):
    with pytest.raises(DisclosureError):
        listing_disclosure_approve(listing=on_sale, disclosure="x", actor=Actor.for_user(StaffUserFactory.create()))


def test_the_database_refuses_an_affiliated_listing_on_sale_without_a_disclosure(on_sale):
    owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=on_sale.pk).update(is_active=True)


def test_a_new_listing_of_an_affiliated_institution_waits_for_the_disclosure(on_sale):
    owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    other_course = CourseFactory.create(institution=on_sale.course.institution)
    # when the platform lists another course of the institution
    listing = listing_create(
        course=other_course, partner=on_sale.partner, sku="AFF-2", price=other_course.price, actor=PMO
    )
    # then it is flagged and off sale; the platform asking to sell it does not put it on sale
    assert (listing.affiliated, listing.is_active, listing.withheld_for_disclosure) == (True, False, True)
    listing_update(listing=listing, is_active=False, actor=PMO)
    assert not fresh(listing).withheld_for_disclosure
    listing_update(listing=listing, is_active=True, actor=PMO)
    assert (fresh(listing).is_active, fresh(listing).withheld_for_disclosure) == (False, True)


def test_a_course_approved_for_an_affiliated_platform_waits_for_the_disclosure(on_sale):
    owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    course = CourseFactory.create(institution=on_sale.course.institution, status=CourseStatus.IN_REVIEW)
    submitted = ListingFactory.create(
        course=course, partner=on_sale.partner, is_active=False, awaiting_approval=True, affiliated=True
    )
    course_approve(course=course, actor=PMO)
    listing = fresh(submitted)
    assert (listing.awaiting_approval, listing.is_active, listing.withheld_for_disclosure) == (False, False, True)


def test_the_whole_set_is_recomputed_in_one_statement(on_sale, django_assert_num_queries):
    owns_platform(on_sale.partner, **holding())
    InstitutionOwner.objects.create(
        institution=on_sale.course.institution,
        kind=OwnerKind.LEGAL_ENTITY,
        name="PT Cakrawala Edukasi",
        registration_number="9120009990001",
        owner_key="nib:9120009990001",
        share_percent=10,
    )  # fmt: skip  (written around the services, e.g. by an import)
    ListingFactory.create_batch(5)
    # the savepoint, the update, the changed listings, their audit rows, the release
    with django_assert_num_queries(5):
        changed = listings_affiliation_refresh(actor=PMO)
    assert changed == 1
    assert fresh(on_sale).affiliated


def test_an_ownership_change_renews_the_cached_catalogue(on_sale, django_capture_on_commit_callbacks):
    before = page_version("catalogue")
    with django_capture_on_commit_callbacks(execute=True):
        owns_platform(on_sale.partner, **holding())
    assert page_version("catalogue") != before


def test_the_course_page_shows_the_disclosure_in_indonesian_and_english(on_sale):
    owns_platform(on_sale.partner, **holding())
    owns_institution(on_sale.course.institution, **holding())
    listing_disclosure_approve(
        listing=on_sale,
        disclosure="PT Cakrawala Edukasi memiliki 40% Pintaria dan 40% Akademi.",
        disclosure_en="PT Cakrawala Edukasi owns 40% of Pintaria and 40% of Akademi.",
        actor=Actor.for_user(StaffUserFactory.create()),
    )
    url = reverse("catalogue:detail", args=[on_sale.course.code])
    indonesian = Client().get(url).content.decode()
    assert "Afiliasi diungkapkan" in indonesian
    assert "PT Cakrawala Edukasi memiliki 40% Pintaria dan 40% Akademi." in indonesian
    english_client = Client()
    english_client.cookies["django_language"] = "en"
    english = english_client.get(url).content.decode()
    assert "Affiliation disclosed" in english
    assert "owns 40% of Pintaria" in english


def test_a_platform_owner_of_another_platform_cannot_be_changed_through_this_one(on_sale):
    stake = owns_platform(PartnerFactory.create(), **holding())
    with pytest.raises(OwnershipError):
        platform_owners_apply(partner=on_sale.partner, writes=[StakeWrite(stake=stake)], actor=PMO)
    with pytest.raises(OwnershipError):
        institution_owners_apply(
            institution=on_sale.course.institution,
            writes=[StakeWrite(stake=PlatformOwner(partner=on_sale.partner, **holding()))],
            actor=PMO,
        )
