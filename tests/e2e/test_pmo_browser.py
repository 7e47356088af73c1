"""PMO operations in Chromium: an applicant files a complaint with a photo on a phone and reads
the desk's answer; a participant with a clawback case sees what to repay; a PMO administrator
sees the programme dashboard's charts on the admin home."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from applicants.complaints.services import complaint_reply
from applicants.models import Complaint, Step
from prakerja.core.actor import Actor
from prakerja.core.dashboard import dashboard_refresh
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def log_in(page: Page, portal_url: str, email: str) -> None:
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_an_applicant_files_a_complaint_and_reads_the_answer_on_a_phone(
    page: Page, portal_url, regions, staff_groups, tmp_path, artifacts_dir
):
    # given an applicant with a screenshot of the problem
    applicant = ApplicantFactory.create(reached=Step.READY)
    photo = tmp_path / "layar.png"
    buffer = io.BytesIO()
    Image.new("RGB", (720, 1280), (200, 220, 240)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())

    # when they open the complaint form from the dashboard and first send it without a subject
    log_in(page, portal_url, applicant.user.email)
    page.get_by_role("link", name="Ajukan pengaduan").click()
    page.get_by_label("Tentang apa?").select_option("registration")
    page.get_by_label("Apa yang terjadi?").fill("Kode OTP tidak pernah masuk ke HP saya.")
    page.get_by_role("button", name="Kirim pengaduan").click()

    # then the form says what is missing in Indonesian and keeps what was typed
    expect(page.locator(".field.has-error")).to_contain_text("harus diisi")
    expect(page.get_by_label("Apa yang terjadi?")).to_have_value("Kode OTP tidak pernah masuk ke HP saya.")
    page.screenshot(path=artifacts_dir / "complaint-form-error.png", full_page=True)

    # when they complete it with the photo
    page.get_by_label("Perihal").fill("Kode OTP tidak masuk")
    page.get_by_label("Foto atau tangkapan layar (opsional)").set_input_files(str(photo))
    page.get_by_role("button", name="Kirim pengaduan").click()

    # then the complaint page shows it open, with the photo
    expect(page.get_by_test_id("complaint-status")).to_have_text("Terbuka")
    expect(page.get_by_role("link", name="Foto terlampir")).to_be_visible()

    # when the desk answers
    complaint = Complaint.objects.get()
    verifier = StaffUserFactory.create(group="verifier")
    complaint_reply(
        complaint=complaint, actor=Actor.for_user(verifier), body="Nomor Anda sudah kami periksa, silakan coba lagi."
    )
    page.reload()

    # then the answer is there, from the PMO
    expect(page.locator(".inbox-item.from-staff")).to_contain_text("silakan coba lagi")
    page.screenshot(path=artifacts_dir / "complaint-answered.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_admin_home_draws_the_programme_dashboard(
    browser: Browser, portal_url, regions, staff_groups, artifacts_dir
):
    # given some applicants and computed figures
    for step in (Step.VERIFY_EMAIL, Step.IDENTITY, Step.READY, Step.READY):
        ApplicantFactory.create(reached=step)
    dashboard_refresh()
    admin = StaffUserFactory.create(group="pmo_admin")

    # when a PMO administrator logs in on a laptop
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(portal_url + "/admin/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()

    # then the dashboard is drawn with its freshness, charts by Chart.js
    expect(page.locator("#programme-dashboard")).to_contain_text("Dasbor program")
    expect(page.locator("#dash-funnel .dash-fresh")).to_contain_text("Per ")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('[data-dash-chart=funnel]'))")
    page.screenshot(path=artifacts_dir / "admin-dashboard.png", full_page=True)
    context.close()
