"""The landing page and the PMO admin in a real headless Chromium on a phone-sized screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_visitor_reads_the_landing_page_in_indonesian_then_english(page: Page, portal_url, artifacts_dir):
    # given a visitor on a phone
    page.goto(portal_url + "/")

    # then the page is in Indonesian and fits the screen
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pelatihan, keterampilan, dan insentif bagi pencari kerja"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "landing-id-360.png", full_page=True)

    # when the visitor switches the language to English
    page.get_by_label("Bahasa").select_option("en")

    # then the page is shown in English
    expect(page.get_by_role("heading", level=1)).to_have_text("Training, skills and incentives for job seekers")
    page.screenshot(path=artifacts_dir / "landing-en-360.png", full_page=True)


def test_a_staff_member_logs_into_the_admin(page: Page, portal_url, artifacts_dir, staff_groups):
    # given an auditor account
    staff = StaffUserFactory.create(group="auditor")

    # when the auditor logs in
    page.goto(portal_url + "/admin/")
    page.screenshot(path=artifacts_dir / "admin-login-360.png", full_page=True)
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()

    # then the admin index shows what an auditor may see
    expect(page.locator("#site-name")).to_contain_text("Kartu Prakerja")
    expect(page.get_by_role("link", name="Peristiwa audit")).to_be_visible()
    page.screenshot(path=artifacts_dir / "admin-index-auditor-360.png", full_page=True)
