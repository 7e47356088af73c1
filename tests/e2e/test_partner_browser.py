"""A platform applies on a phone through the open door; a partner manager reads the league
table and a platform's trends, with charts drawn by Chart.js from our own static files."""

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from applicants.models import Card
from partners.evaluation.services.evaluations import evaluation_publish, evaluation_run
from partners.models import PlatformApplication
from prakerja.core.actor import Actor
from tests.factories import DEFAULT_PASSWORD, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.conftest import participant_card  # noqa: F401  (a fixture)
from tests.partners.evaluation import at, purchase, review, scorecard

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_platform_applies_on_a_phone(page: Page, portal_url, regions, artifacts_dir):
    # given the public form on a phone
    page.goto(portal_url + "/mitra/daftar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar sebagai platform digital")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # when a platform sends it without the licence numbers
    page.get_by_role("button", name="Kirim pendaftaran").click()
    # then it is told what is missing, in Indonesian, and nothing is stored
    expect(page.get_by_text("Bidang ini harus diisi.").first).to_be_visible()
    assert not PlatformApplication.objects.exists()

    # when it fills the form, ticks 27 provinces and accepts the standard terms
    page.get_by_label("nama perusahaan (PT)").fill("PT Belajar Bersama Nusantara")
    page.get_by_label("nama platform").fill("BelajarBersama")
    page.get_by_label("Situs web").fill("belajarbersama.example.id")
    page.get_by_label("nomor induk berusaha (NIB)").fill("9120001234567")
    page.get_by_label("NPWP", exact=True).fill("0123456789012345")
    page.get_by_label("Narahubung", exact=True).fill("Dewi Lestari")
    page.get_by_label("email kontak").fill("dewi@belajarbersama.example.id")
    page.get_by_label("telepon kontak").fill("081234567890")
    boxes = page.locator("input[name=provinces]")
    for index in range(27):
        boxes.nth(index).check()
    page.get_by_label("Kami dapat mengintegrasikan Kartu Prakerja").check()
    page.get_by_label("Kami menerima ketentuan standar").check()
    page.screenshot(path=artifacts_dir / "platform-apply-360.png", full_page=True)
    page.get_by_role("button", name="Kirim pendaftaran").click()

    # then the application is received with every criterion met
    expect(page.get_by_test_id("application-received")).to_be_visible()
    page.screenshot(path=artifacts_dir / "platform-applied-360.png", full_page=True)
    application = PlatformApplication.objects.get()
    assert application.meets_criteria
    assert application.provinces.count() == 27


def test_a_partner_manager_reads_the_league_table_and_trends(
    browser: Browser,
    portal_url,
    staff_groups,
    regions,
    participant_card: Card,  # noqa: F811  (the fixture imported above)
    artifacts_dir,
):
    # given two platforms evaluated over two months
    scorecard()
    good = ListingFactory.create(partner=PartnerFactory.create(name="Pijar Mahir"))
    weak = ListingFactory.create(partner=PartnerFactory.create(name="Sekolahmu"))
    for month in (9, 10):
        for day in range(1, 9):
            purchase(
                listing=good,
                card=participant_card,
                created=at(day, month=month),
                status="completed",
                hours_to_complete=30,
            )
            purchase(
                listing=weak,
                card=participant_card,
                created=at(day, month=month),
                status="cancelled" if day % 2 else "paid",
            )
        review(listing=good, card=participant_card, rating=5, created=at(20, month=month))
        review(listing=weak, card=participant_card, rating=3, created=at(20, month=month))
        evaluation = evaluation_run(period=dt.date(2026, month, 1), actor=Actor.system("tests"))
    evaluation_publish(evaluation=evaluation, actor=Actor.system("tests"))
    manager = StaffUserFactory.create(group="partner_manager")

    # when the partner manager logs in on a laptop and opens October
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(portal_url + "/admin/login/")
    page.locator("#id_username").fill(manager.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(portal_url + f"/admin/partners/evaluation/{evaluation.pk}/change/")

    # then the league table ranks the platforms and Chart.js drew the charts
    rows = page.locator("#league tbody tr")
    expect(rows.first).to_contain_text("Pijar Mahir")
    expect(rows.nth(1)).to_contain_text("Sekolahmu")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('[data-chart=league-score]'))")
    page.screenshot(path=artifacts_dir / "evaluation-league.png", full_page=True)

    # when the manager opens a platform's trends
    page.get_by_role("link", name="Sekolahmu").click()
    page.wait_for_function("() => document.querySelectorAll('#trend-charts canvas').length === 6")
    expect(page.get_by_role("link", name="2026-09")).to_be_visible()
    page.screenshot(path=artifacts_dir / "evaluation-trend.png", full_page=True)
    context.close()
