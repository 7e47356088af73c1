"""Assisted registration in Chromium: a labour-office officer registers a person at the desk
(laptop), enters the code the person reads from their phone, and the person later sees on their
own phone who registered them and what was done."""

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from applicants.assisted.models import AssistedRegistration, StaffRegion
from applicants.models import PrivacyNotice, Province
from applicants.privacy.selectors import notice_current
from applicants.registration.nik import Gender, build_nik
from prakerja.accounts.roles import REGIONAL_OFFICER
from prakerja.messaging.models import SandboxMessage
from tests.celery_worker import celery_worker
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def inbox(to: str, pattern: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in SandboxMessage.objects.filter(to=to).order_by("-created_at"):
            if match := re.search(pattern, message.body):
                return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"nothing matching {pattern!r} arrived for {to}")


def test_an_officer_registers_a_person_at_the_desk_and_the_person_sees_it_on_their_phone(
    browser: Browser, page: Page, portal_url, regions, staff_groups, artifacts_dir, tmp_path
):
    with celery_worker(tmp_path, queue="default"):
        journey(browser, page, portal_url, artifacts_dir)


def journey(browser: Browser, page: Page, portal_url: str, artifacts_dir: Path) -> None:
    # given a Bandung labour-office officer (and a privacy notice in force)
    if notice_current() is None:
        PrivacyNotice.objects.create(
            version=1, title="Pemberitahuan", summary="R", text="I", published_at=timezone.now()
        )
    officer = StaffUserFactory.create(group=REGIONAL_OFFICER)
    StaffRegion.objects.create(user=officer, province=Province.objects.get(code="32"), office="Disnaker Kota Bandung")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    admin = desk.new_page()
    admin.goto(portal_url + "/admin/login/")
    admin.locator("#id_username").fill(officer.email)
    admin.locator("#id_password").fill(DEFAULT_PASSWORD)
    admin.locator("input[type=submit]").click()

    # when they fill in the person's data with the consent form's number
    admin.goto(portal_url + "/admin/applicants/assistedregistration/add/")
    nik = build_nik(district_code="327301", birth_date=dt.date(1987, 6, 5), gender=Gender.FEMALE, serial=41)
    admin.locator("#id_full_name").fill("Siti Aminah")
    admin.locator("#id_nik").fill(nik)
    admin.locator("#id_kk_number").fill("3273010506870041")
    admin.locator("#id_birth_date").fill("1987-06-05")
    admin.locator("#id_phone").fill("081234500041")
    admin.locator("#id_email").fill("siti.aminah@contoh.id")
    admin.locator("#id_regency").select_option("3273")
    admin.locator("#id_consent_reference").fill("BDG-2026-0041")
    admin.screenshot(path=artifacts_dir / "assisted-register-form.png", full_page=True)
    admin.locator("input[type=submit]").click()

    # then the list says a code went to the person's phone
    expect(admin.locator(".messagelist")).to_contain_text("Kode dikirim ke HP")
    registration = AssistedRegistration.objects.get()

    # when the person reads the code from their phone and the officer enters it
    code = inbox("+6281234500041", r"\b(\d{6})\b")
    admin.locator(f"input[name=_selected_action][value='{registration.pk}']").check()
    admin.locator("select[name=action]").select_option("confirm_code")
    admin.locator("button[name=index]").click()
    admin.locator("#id_code").fill(code)
    admin.locator("form input[type=submit]").last.click()
    expect(admin.locator(".messagelist")).to_contain_text("HP terkonfirmasi")
    admin.screenshot(path=artifacts_dir / "assisted-code-confirmed.png", full_page=True)
    desk.close()

    # when the person sets their password from the emailed link on their phone and signs in
    user = AssistedRegistration.objects.select_related("applicant__user").get().applicant.user
    path = inbox(user.email, r"https?://[^/\s]+(/atur-sandi/\S+)")
    page.goto(portal_url + path)
    page.locator("input[type=password]").nth(0).fill("Sandi-Sendiri-2026")
    page.locator("input[type=password]").nth(1).fill("Sandi-Sendiri-2026")
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(user.email)
    page.get_by_label("Kata sandi").fill("Sandi-Sendiri-2026")
    page.get_by_role("button", name="Masuk").click()

    # then their dashboard says who registered them and what officers did, on a 360 px screen
    card = page.locator(".assisted-card")
    expect(card).to_contain_text("Disnaker Kota Bandung")
    expect(card).to_contain_text("Petugas memasukkan kode")
    page.screenshot(path=artifacts_dir / "assisted-dashboard-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
