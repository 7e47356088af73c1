"""Personal data rights on a 360 px phone: an applicant asks for their data from the dashboard
and sees it being prepared, then ready; a participant frozen by a wave asks for a correction of
their name with a photo of the ID card and sees it waiting for a verifier."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from applicants.data_rights.services import access_prepare
from applicants.models import AccessRequest, CorrectionRequest, Step
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, WaveMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def log_in(page: Page, portal_url: str, email: str) -> None:
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_an_applicant_asks_for_their_data_on_a_phone(page: Page, portal_url, regions, artifacts_dir):
    # given a signed-in applicant on the dashboard
    applicant = ApplicantFactory.create(reached=Step.READY)
    log_in(page, portal_url, applicant.user.email)

    # when they open My personal data and ask for their data
    page.get_by_role("link", name="Data pribadi saya: unduh, perbaiki, atau hapus").click()
    expect(page.get_by_role("heading", name="Data pribadi saya", exact=True)).to_be_visible()
    page.get_by_role("button", name="Minta data saya").click()

    # then the page says it is being prepared and the link comes by email, fitting the phone
    expect(page.get_by_text("Tautan unduhan akan dikirim lewat email")).to_be_visible()
    expect(page.locator(".access-requests li[data-status=pending]")).to_contain_text("Sedang disiapkan")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "data-access-requested-360.png", full_page=True)

    # when the task has prepared it, then the page says it is ready
    access_prepare(access_id=AccessRequest.objects.get(applicant=applicant).pk)
    page.reload()
    expect(page.locator(".access-requests li[data-status=ready]")).to_contain_text("Siap diunduh")


def test_a_participant_asks_for_a_correction_with_evidence_on_a_phone(
    page: Page, portal_url, regions, tmp_path, artifacts_dir
):
    # given a participant frozen by a wave, with a photo of their ID card
    member = WaveMemberFactory.create()
    photo = tmp_path / "ktp.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 640), (200, 220, 240)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    log_in(page, portal_url, member.applicant.user.email)

    # when they ask for a correction of their name with the photo
    page.goto(portal_url + "/data-saya/")
    page.get_by_role("link", name="Ajukan koreksi").click()
    page.get_by_label("Apa yang salah?").select_option("full_name")
    page.get_by_label("Nilai yang benar").fill("Budi Santosa")
    page.get_by_label("Penjelasan").fill("Nama saya salah ketik satu huruf.")
    page.get_by_label("Foto bukti (KTP atau kartu keluarga)").set_input_files(str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "data-correction-form-360.png", full_page=True)
    page.get_by_role("button", name="Kirim permintaan koreksi").click()

    # then My personal data lists it as waiting for a verifier
    expect(page.locator(".corrections li[data-status=pending]")).to_contain_text("Menunggu verifikator")
    page.screenshot(path=artifacts_dir / "data-correction-sent-360.png", full_page=True)
    assert CorrectionRequest.objects.get(applicant=member.applicant).value == "Budi Santosa"
