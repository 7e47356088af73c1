"""One course at a time, on a 360 px phone: a participant with a course in progress reads on the
dashboard that a second course waits for it, and confirming the one a platform proposed meanwhile
says why it is not paid."""

import pytest
from playwright.sync_api import Page, expect

from applicants.models import Card, OtpPurpose, Step
from applicants.registration.services.otp import detached_code
from applicants.waves.services.selection import wave_selection_run
from partners.models import Purchase, PurchaseStatus
from partners.purchases.services.purchases import purchase_confirm, purchase_create
from tests.applicants.wave_setups import close
from tests.factories import (
    DEFAULT_PASSWORD,
    ApplicantFactory,
    ListingFactory,
    PartnerFactory,
    WaveFactory,
    WaveMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_course_in_progress_holds_the_next_one_on_a_phone(
    page: Page, portal_url, regions, training_fund, artifacts_dir
):
    # Given a participant with a course in progress, and a second one a platform proposed before it was paid
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = close(WaveFactory.create(number=72, national_quota=1))
    WaveMemberFactory.create(wave=wave, applicant=applicant)
    wave_selection_run(wave_id=wave.pk, seed=1)
    card = Card.objects.get(applicant=applicant)
    partner = PartnerFactory.create(name="Pijar Mahir")
    first, second = (
        purchase_create(
            partner=partner,
            card_number=card.number,
            platform_account="pengguna-1",
            listing_id=ListingFactory.create(partner=partner, course__title=title).pk,
        )
        for title in ("Dasar Pemasaran Digital", "Fotografi Produk untuk UMKM")
    )
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.update(otp_hash=code_hash)
    purchase_confirm(purchase_id=str(first.pk), otp=code, partner=partner)

    # When they log in on a phone
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(applicant.user.email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    # Then the dashboard says the first course is in progress and the second waits for it, with no code form
    notice = page.get_by_test_id("course-in-progress")
    expect(notice).to_contain_text("Dasar Pemasaran Digital")
    expect(notice).to_contain_text("pelatihan kedua baru dapat dibeli setelah pelatihan ini selesai")
    expect(page.get_by_test_id("awaiting-blocked")).to_contain_text("tidak dapat dibayar")
    expect(page.locator(f"#otp-{second.pk}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "course-in-progress-360.png", full_page=True)
    assert Purchase.objects.get(pk=second.pk).status == PurchaseStatus.AWAITING_CONFIRMATION
