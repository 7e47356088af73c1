"""A new staff member logs into the admin on a laptop, scans nothing (types the key into the
'app', here django-otp's own TOTP), and reaches the admin; production's setting is on."""

import base64
from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, expect

from tests.factories import DEFAULT_PASSWORD, StaffUserFactory
from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def portal_with_2fa(transactional_db: None) -> Iterator[str]:
    env = {
        **database_env(),
        "STAFF_2FA_REQUIRED": "true",
    }
    with gunicorn(env=env, workers=1) as base:
        yield base


def test_a_new_staff_member_sets_up_two_factor_login(browser: Browser, portal_with_2fa, staff_groups, artifacts_dir):
    # given a new partner manager
    staff = StaffUserFactory.create(group="partner_manager")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()

    # when they log in with their password
    page.goto(portal_with_2fa + "/admin/")
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()

    # then they are asked to set up an authenticator app, with a QR code and the key
    expect(page.get_by_role("heading", name="Atur login dua faktor")).to_be_visible()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    page.screenshot(path=artifacts_dir / "staff-2fa-enrol.png", full_page=True)
    key = page.get_by_test_id("totp-key").inner_text().replace(" ", "")

    # when they type the app's current code
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Kode 6 digit dari aplikasi autentikator").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Lanjutkan").click()

    # then the admin opens
    expect(page.locator("#site-name")).to_contain_text("Kartu Prakerja")
    page.screenshot(path=artifacts_dir / "staff-2fa-admin.png", full_page=True)
