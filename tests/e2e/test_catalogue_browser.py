"""A visitor searches the catalogue with a typo on a phone and opens a course."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CategoryFactory, CourseFactory, ListingFactory, PartnerFactory, SchemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_search_with_a_typo_and_open_the_course(page: Page, portal_url, regions, artifacts_dir):
    SchemeFactory.create()
    food = CategoryFactory.create(name="Makanan dan Minuman", slug="makanan-dan-minuman")
    barista = CourseFactory.create(
        title="Barista Kopi Profesional", category=food, price=350_000, outside_price=400_000
    )
    ListingFactory.create(
        course=barista, partner=PartnerFactory.create(name="Pijar Mahir", slug="pijar-mahir"), price=325_000
    )
    for n in range(5):
        ListingFactory.create(course=CourseFactory.create(title=f"Pemrograman Web {n}"))

    page.goto(portal_url + "/pelatihan/")
    page.get_by_label("Cari pelatihan").fill("barsita kopi")
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_role("link", name="Barista Kopi Profesional")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "catalogue-search-360.png", full_page=True)

    page.get_by_role("link", name="Barista Kopi Profesional").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Barista Kopi Profesional")
    expect(page.get_by_text("Rp325.000")).to_be_visible()
    page.screenshot(path=artifacts_dir / "catalogue-course-360.png", full_page=True)
