"""A ready applicant joins a wave on a phone, waits, and after the selection sees the card."""

import pytest
from playwright.sync_api import Page, expect

from applicants.models import Province, Step
from applicants.waves.services.selection import wave_selection_run
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import Line, account_get_or_create, posting_create
from tests.applicants.wave_setups import close
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, WaveFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_join_a_wave_wait_and_see_the_card(page: Page, portal_url, regions, artifacts_dir):
    # Given a ready applicant, an open wave, and money in the training fund
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = WaveFactory.create(number=61, national_quota=10)
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(
        idempotency_key="e2e-budget", kind="budget", lines=[Line(budget.pk, -(10**12)), Line(fund.pk, 10**12)]
    )

    # When they log in and join the wave from the dashboard
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(applicant.user.email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Gabung gelombang 61").click()
    expect(page.get_by_label("Provinsi domisili")).to_have_value(str(Province.objects.get(code="32").pk))
    page.get_by_role("button", name="Gabung gelombang ini").click()
    # Then the statements are required
    expect(page.get_by_text("Baca dan setujui pernyataan")).to_be_visible()
    page.get_by_label("Saya bukan ASN", exact=False).check()
    page.get_by_label("Data yang saya berikan benar", exact=False).check()
    page.get_by_label("Saya akan membeli pelatihan pertama", exact=False).check()
    page.screenshot(path=artifacts_dir / "wave-join-360.png", full_page=True)
    page.get_by_role("button", name="Gabung gelombang ini").click()

    # and the dashboard shows them waiting for the wave to close
    expect(page.get_by_test_id("wave-state")).to_contain_text("Menunggu gelombang ditutup")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "wave-waiting-360.png", full_page=True)

    # When the wave closes and the selection runs
    wave_selection_run(wave_id=close(wave).pk, seed=1)

    # Then the dashboard shows the card number and the training balance
    page.reload()
    card = applicant.card
    spaced = " ".join(card.number[i : i + 4] for i in range(0, 16, 4))
    expect(page.get_by_test_id("card-number")).to_have_text(spaced)
    expect(page.get_by_test_id("balance")).to_have_text("Rp3.500.000")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "wave-card-360.png", full_page=True)
