"""A participant who completed and reviewed the first course links a bank account on a phone
(SMS code from the sandbox inbox, through a real worker), sees the incentive due, then paid,
and the survey that opens after it."""

import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from applicants.incentives.services.entitlements import entitlement_course_completed, entitlement_course_reviewed
from applicants.models import Card, Step, Survey
from applicants.waves.services.selection import wave_selection_run
from prakerja.messaging.models import SandboxMessage
from prakerja.payments.sandbox import sandbox_account_register
from tests.applicants.incentive_setups import disburse_here, fund_incentives
from tests.applicants.wave_setups import close
from tests.celery_worker import celery_worker
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, WaveFactory, WaveMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("browser")]


def sms_code(to: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = SandboxMessage.objects.filter(to=to, body__contains="rekening").order_by("-created_at").first()
        if message and (match := re.search(r"\b(\d{6})\b", message.body)):
            return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no code arrived for {to}")


def test_link_an_account_and_follow_the_incentive_on_a_phone(page: Page, portal_url, regions, tmp_path, artifacts_dir):
    # Given a participant whose first course is completed and reviewed
    fund_incentives()
    applicant = ApplicantFactory.create(reached=Step.READY)
    applicant.full_name = "Sari Wulandari"
    applicant.save(update_fields=["full_name"])
    wave = close(WaveFactory.create(number=71, national_quota=1))
    WaveMemberFactory.create(wave=wave, applicant=applicant)
    wave_selection_run(wave_id=wave.pk, seed=1)
    card = Card.objects.get(applicant=applicant)
    now = timezone.now()
    entitlement_course_completed(card_id=card.pk, course_id=1, purchase_ref="e2e", completed_at=now)
    entitlement_course_reviewed(card_id=card.pk, course_id=1, reviewed_at=now)
    survey, _created = Survey.objects.get_or_create(number=1, defaults={"title": "Setelah pelatihan pertama"})
    if not survey.questions.exists():
        survey.questions.create(order=0, text="Apa status pekerjaan Anda sekarang?", choices="Bekerja\nMencari kerja")
    sandbox_account_register(channel="bni", number="0123456789", holder_name="Sari Wulandari")

    with celery_worker(tmp_path, queue="default"):
        # When they log in, see that an account is needed, and link one
        page.goto(portal_url + "/masuk/")
        page.get_by_label("Alamat email").fill(applicant.user.email)
        page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        panel = page.get_by_test_id("incentives")
        expect(panel).to_have_attribute("data-step", "account")
        page.screenshot(path=artifacts_dir / "incentive-account-needed-360.png", full_page=True)
        panel.get_by_role("link", name="Tautkan rekening bank atau e-wallet").click()
        page.get_by_label("Bank atau e-wallet").select_option("bni")
        page.get_by_label("Nomor rekening", exact=False).fill("0123 456 789")
        page.get_by_role("button", name="Periksa rekening").click()
        expect(page.get_by_role("heading", name="Konfirmasi rekening Anda")).to_be_visible()
        expect(page.get_by_text("SARI WULANDARI")).to_be_visible()
        page.get_by_label("Kode 6 digit").fill(sms_code(applicant.phone))
        page.screenshot(path=artifacts_dir / "incentive-code-360.png", full_page=True)
        page.get_by_role("button", name="Tautkan rekening ini").click()

    # Then the account is in use and the incentive is due
    expect(page.get_by_test_id("payout-account")).to_contain_text("BNI")
    expect(page.locator("[data-state=due]")).to_contain_text("Rp600.000")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "incentive-due-360.png", full_page=True)

    # When the disbursement run pays it
    disburse_here()
    page.reload()

    # Then it shows as paid to the masked account, and the survey is offered
    expect(page.locator("[data-state=paid]")).to_contain_text("Dibayar pada")
    expect(page.locator("[data-state=paid]")).to_contain_text("****6789")
    page.get_by_role("link", name="Isi survei").click()
    page.get_by_label("Bekerja").check()
    page.get_by_role("button", name="Kirim jawaban saya").click()
    expect(page.locator("[data-state=due]")).to_contain_text("Rp50.000")
    page.screenshot(path=artifacts_dir / "incentive-paid-survey-360.png", full_page=True)
