"""The consent step on a phone-sized screen: the registration form's required tick with its link
to the privacy notice, and the acceptance page a newer notice brings at the next visit."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from applicants.models import NoticeAcceptance, PrivacyNotice

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EMAIL = "dewi.lestari@contoh.id"
PASSWORD = "Belajar-Terus-2026"


def test_consent_is_given_at_registration_and_asked_again_for_a_new_version(page: Page, portal_url, artifacts_dir):
    PrivacyNotice.objects.get_or_create(
        version=1,
        defaults={
            "title": "Pemberitahuan Privasi Kartu Prakerja",
            "summary": "Kami memakai data Anda hanya untuk menjalankan program.",
            "text": "Isi pemberitahuan.",
            "published_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )
    shots = artifacts_dir / "privacy"
    shots.mkdir(exist_ok=True)

    # given the registration form on a phone
    page.goto(portal_url + "/daftar/")
    page.get_by_label("Alamat email").fill(EMAIL)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    # when the person submits without the tick, the form refuses
    page.get_by_role("button", name="Buat akun").click()
    expect(page.locator(".field.has-error #id_terms")).to_be_visible()
    # and the notice it links to opens
    link = page.get_by_role("link", name="Baca pemberitahuan privasi")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == "/privasi/"
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    page.get_by_label("Saya telah membaca").check()
    page.screenshot(path=shots / "01-register-consent.png", full_page=True)
    # when they tick and submit
    page.get_by_role("button", name="Buat akun").click()
    expect(page.get_by_role("heading", name="Periksa email Anda")).to_be_visible()
    # then version 1 is accepted on the web channel
    acceptance = NoticeAcceptance.objects.get(applicant__user__email=EMAIL)
    assert acceptance.notice.version == 1
    assert acceptance.channel == "web"

    # given a newer notice is published
    PrivacyNotice.objects.create(
        version=2,
        title="Pemberitahuan Privasi (versi 2)",
        summary="Kami menambah tujuan baru: survei lanjutan.",
        text="Isi baru.",
        published_at=timezone.now(),
    )
    # when they come back to their dashboard
    page.goto(portal_url + "/dasbor/")
    # then they are asked to accept it first
    expect(page.get_by_role("heading", name="Pemberitahuan privasi kami telah berubah")).to_be_visible()
    page.screenshot(path=shots / "02-new-version.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Saya telah membaca dan menyetujui").check()
    page.get_by_role("button", name="Setujui dan lanjutkan").click()
    expect(page.get_by_text("Terima kasih, persetujuan Anda sudah dicatat.")).to_be_visible()
    assert NoticeAcceptance.objects.filter(applicant__user__email=EMAIL, notice__version=2).exists()
