"""A participant held before payout by a registry hit reads on a phone that the payment is being
reviewed and how to complain, and nothing about the list that matched."""

import pytest
from playwright.sync_api import Page, expect

from applicants.models import Card, RegistryKind, Step
from applicants.waves.services.selection import wave_selection_run
from tests.applicants.incentive_setups import disburse_here, fund_incentives, with_due_instalments
from tests.applicants.wave_setups import close, put_on_registry
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, WaveFactory, WaveMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_held_participant_reads_that_the_payment_is_reviewed(page: Page, portal_url, regions, artifacts_dir):
    # Given a participant with an incentive due, found on the deceased-persons list after selection
    fund_incentives()
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = close(WaveFactory.create(number=72, national_quota=1))
    WaveMemberFactory.create(wave=wave, applicant=applicant)
    wave_selection_run(wave_id=wave.pk, seed=1)
    with_due_instalments([Card.objects.get(applicant=applicant)])
    put_on_registry(RegistryKind.DECEASED, [applicant], source="Dukcapil")
    assert disburse_here() is None  # held: nobody to pay

    # When they open the dashboard on a phone
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(applicant.user.email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    # Then the incentives panel says the payment is being reviewed, with the way to complain
    review = page.get_by_test_id("payment-review")
    expect(review).to_contain_text("Pembayaran insentif Anda sedang ditinjau")
    expect(page.locator("[data-state=review]")).to_contain_text("Sedang ditinjau oleh petugas verifikasi")
    expect(review.get_by_role("link", name="sampaikan pengaduan")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Dukcapil")
    expect(page.locator("body")).not_to_contain_text("meninggal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_test_id("incentives").scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "incentive-registry-review-360.png", full_page=True)
