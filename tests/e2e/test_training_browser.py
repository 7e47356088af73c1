"""On a 360 px phone, the participant follows a course: the sessions attended and the practice
task waiting for assessment, then, once completed, the certificate on the dashboard."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from applicants.models import OtpPurpose
from applicants.registration.services.otp import detached_code
from courses.services.redemption import practice_feedback_record, redeem_code_commit
from partners.models import Purchase
from partners.purchases.services.purchases import purchase_complete, purchase_confirm, purchase_create
from tests.courses.training import training_done
from tests.factories import DEFAULT_PASSWORD, ListingFactory
from tests.partners.conftest import new_participant_card

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_progress_then_certificate_on_a_phone(page: Page, portal_url, regions, training_fund, artifacts_dir):
    # Given a participant who bought a three-session course with a practice task in session 2
    card = new_participant_card()
    listing = ListingFactory.create(
        course__title="Pemasaran Digital untuk Usaha Mikro",
        course__planned_sessions=3,
        course__tasks=[2],
        course__total_hours=15,
        course__min_duration_hours=15,
        price=450_000,
        course__price=450_000,
        course__outside_price=500_000,
    )
    purchase = purchase_create(
        partner=listing.partner, card_number=card.number, platform_account=f"akun-{card.pk}", listing_id=listing.pk
    )
    otp, otp_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.filter(pk=purchase.pk).update(otp_hash=otp_hash)
    purchase = purchase_confirm(purchase_id=str(purchase.pk), otp=otp, partner=listing.partner)
    code = purchase.redeem_code
    assert code is not None
    # and the institution reported sessions 1 and 2, and the task of session 2 handed in
    for sequence in (1, 2):
        redeem_code_commit(code=code.code, institution_id=code.institution_id, sequence=sequence)
    practice_feedback_record(
        code=code.code,
        institution_id=code.institution_id,
        scope="tpm",
        sequence=2,
        notes="",
        url_file="https://lms.example.id/tugas/2.pdf",
        status="submitted",
    )

    # When they log in on a phone
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(card.applicant.user.email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    # Then the course shows two of three sessions attended and the task waiting for assessment
    progress = page.get_by_test_id("training-progress")
    expect(progress).to_contain_text("2 dari 3")
    expect(progress.locator('[data-session="2"]')).to_contain_text("menunggu penilaian")
    expect(progress.locator('[data-session="3"]')).to_contain_text("Belum dihadiri")
    progress.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "training-progress-360.png", full_page=True)

    # When the rest is reported and the platform completes the course
    training_done(code)
    purchase_complete(
        purchase_id=str(purchase.pk),
        partner=listing.partner,
        certificate_number="SERT/PDUM/2026/000123",
        certificate_url="https://platform.example.id/sertifikat/000123.pdf",
        completed_at=timezone.now(),
    )
    page.reload()
    # Then the certificate is on the dashboard, in Indonesian, within the phone's width
    certificate = page.get_by_test_id("certificate")
    expect(certificate).to_contain_text("Nomor sertifikat")
    expect(page.get_by_test_id("certificate-number")).to_have_text("SERT/PDUM/2026/000123")
    expect(certificate.get_by_role("link", name="Sertifikat SERT/PDUM/2026/000123")).to_have_attribute(
        "href", "https://platform.example.id/sertifikat/000123.pdf"
    )
    certificate.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "training-certificate-360.png", full_page=True)
