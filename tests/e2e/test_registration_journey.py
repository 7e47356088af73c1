"""A new applicant registers through every step to "ready to join a wave", in headless
Chromium on a phone-sized screen, against the real server and a real Celery worker; the
verification link and the SMS code are read from the sandbox inbox, as a person reads them."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from applicants.models import Applicant, Step
from prakerja.messaging.models import SandboxMessage
from tests.celery_worker import celery_worker
from tests.factories import QuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("browser")]

EMAIL = "sari.wulandari@contoh.id"
PASSWORD = "Belajar-Terus-2026"


def inbox(to: str, pattern: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in SandboxMessage.objects.filter(to=to).order_by("-created_at"):
            if match := re.search(pattern, message.body):
                return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"nothing matching {pattern!r} arrived for {to}")


def ktp_photo(tmp_path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (856, 540), (170, 200, 235))
    ImageDraw.Draw(image).text((40, 40), "PROVINSI JAWA BARAT  NIK 3273015705960002", fill=(0, 0, 0))
    path = tmp_path / "ktp.jpg"
    image.save(path, format="JPEG")
    return path


def test_an_applicant_registers_to_ready_to_join_a_wave(page: Page, portal_url, regions, tmp_path, artifacts_dir):
    QuestionFactory.create_batch(5)
    shots = artifacts_dir / "journey"
    shots.mkdir(exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=shots / f"{name}.png", full_page=True)

    with celery_worker(tmp_path, queue="default"):
        # 1. account
        page.goto(portal_url + "/")
        page.get_by_role("link", name="Daftar sekarang").click()
        shot("01-register")
        page.get_by_label("Alamat email").fill(EMAIL)
        page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
        page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
        page.get_by_label("Saya telah membaca").check()
        page.get_by_role("button", name="Buat akun").click()
        expect(page.get_by_role("heading", name="Periksa email Anda")).to_be_visible()
        shot("02-check-email")

        # 2. the link from the email
        link = inbox(EMAIL, r"(https?://\S+/verifikasi-email/\S+/)")
        page.goto(portal_url + "/" + link.split("://", 1)[1].split("/", 1)[1])
        expect(page.get_by_role("heading", name="Berikutnya: identitas Anda")).to_be_visible()
        shot("03-email-verified")

        # 3. identity (a woman born 17 May 1996: day 57 in the NIK)
        page.get_by_role("link", name="Lanjutkan").click()
        page.get_by_label("NIK (Nomor Induk Kependudukan)").fill("3273015705960002")
        page.get_by_label("Nomor Kartu Keluarga (KK)").fill("3273010101000456")
        page.get_by_label("Nama lengkap sesuai KTP").fill("Sari Wulandari")
        page.get_by_label("Tanggal lahir").fill("1996-05-17")
        shot("04-identity")
        page.get_by_role("button", name="Simpan dan lanjutkan").click()

        # 4. phone and the SMS code
        page.get_by_label("Nomor ponsel").fill("0812 3456 7891")
        shot("05-phone")
        page.get_by_role("button", name="Kirim kode").click()
        code = inbox("+6281234567891", r"\b(\d{6})\b")
        page.get_by_label("Kode 6 digit").fill(code)
        shot("06-code")
        page.get_by_role("button", name="Verifikasi").click()

        # 5. personal data with the ID card photo
        expect(page.get_by_role("heading", name="Data diri Anda")).to_be_visible()
        page.get_by_label("Alamat domisili").fill("Jl. Braga No. 10, Bandung")
        page.get_by_label("Provinsi domisili").select_option(label="Jawa Barat")
        page.get_by_label("Kabupaten/kota domisili").select_option(value="3273")
        page.get_by_label("Pendidikan terakhir").select_option("sma")
        page.get_by_label("Status perkawinan").select_option("single")
        page.get_by_label("Jumlah tanggungan").fill("0")
        page.get_by_label("Status pekerjaan").select_option("laid_off")
        page.get_by_label("Digital dan TI").check()
        page.get_by_label("Foto KTP Anda").set_input_files(ktp_photo(tmp_path))
        page.get_by_label("Saya menyatakan").check()
        shot("07-personal")
        page.get_by_role("button", name="Simpan dan lanjutkan").click()

        # 6. the timed basic test
        shot("08-test-intro")
        page.get_by_role("button", name="Mulai tes").click()
        for group in page.locator("fieldset.question").all():
            group.locator("input[type=radio]").nth(1).check()
        shot("09-test")
        page.get_by_role("button", name="Kirim jawaban saya").click()

        # then: the dashboard says the applicant is ready to join a wave
        expect(page.get_by_role("heading", name="Siap bergabung dengan gelombang")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot("10-ready")

    applicant = Applicant.objects.get(user__email=EMAIL)
    assert applicant.step == Step.READY
    assert applicant.gender == "F"
    assert applicant.nik_masked == "3273********0002"
    assert applicant.ktp_photo
