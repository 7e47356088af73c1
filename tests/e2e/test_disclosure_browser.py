"""A visitor on a phone opens a course sold by a platform affiliated with its institution and
reads the disclosure, in Indonesian and then in English."""

import pytest
from playwright.sync_api import Page, expect

from partners.conflicts.services.disclosures import listing_disclosure_approve
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, InstitutionFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.conflicts import holding, owns_institution, owns_platform

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_course_page_discloses_the_affiliation_on_a_phone(page: Page, portal_url, artifacts_dir):
    # given a course of "Akademi Digital" sold on "Pintaria" and on "Sekolahmu"; Pintaria and the
    # institution share an owner and a curator approved the listing with its disclosure
    course = CourseFactory.create(
        title="Analisis Data dengan Excel", institution=InstitutionFactory.create(brand="Akademi Digital")
    )
    pintaria = ListingFactory.create(course=course, partner=PartnerFactory.create(name="Pintaria"), price=450_000)
    ListingFactory.create(course=course, partner=PartnerFactory.create(name="Sekolahmu"), price=480_000)
    owns_platform(pintaria.partner, **holding("40"))
    owns_institution(course.institution, **holding("60"))
    listing_disclosure_approve(
        listing=pintaria,
        disclosure="PT Cakrawala Edukasi memiliki 40% saham Pintaria dan 60% saham Akademi Digital.",
        disclosure_en="PT Cakrawala Edukasi owns 40% of Pintaria and 60% of Akademi Digital.",
        actor=Actor.for_user(StaffUserFactory.create()),
    )

    # when a visitor opens the course page
    page.goto(f"{portal_url}/pelatihan/{course.code}/")

    # then the disclosure stands beside Pintaria, and only there, and the page fits the screen
    disclosure = page.get_by_test_id("disclosure")
    expect(disclosure).to_have_count(1)
    expect(disclosure).to_contain_text("Afiliasi diungkapkan")
    expect(disclosure).to_contain_text("memiliki 40% saham Pintaria")
    expect(page.locator(".listing-list li", has_text="Pintaria")).to_contain_text("Afiliasi diungkapkan")
    expect(page.locator(".listing-list li", has_text="Sekolahmu")).not_to_contain_text("Afiliasi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    disclosure.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "catalogue-disclosure-id-360.png", full_page=True)

    # when the visitor switches to English
    page.get_by_label("Bahasa").select_option("en")

    # then the disclosure is in English
    expect(page.get_by_test_id("disclosure")).to_contain_text("Affiliation disclosed")
    expect(page.get_by_test_id("disclosure")).to_contain_text("owns 40% of Pintaria")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "catalogue-disclosure-en-360.png", full_page=True)
