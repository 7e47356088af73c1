"""A blocked participant on a 360 px phone: reads why the card is suspended, in Indonesian, and
appeals once from the dashboard with a statement and photos of the KTP, the KK and a selfie;
the dashboard then shows the appeal waiting for a verifier, with its date, and offers no second one."""

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from applicants.appeals.services import block_place
from applicants.models import Appeal, AppealStatus, Card, Step
from applicants.waves.services.selection import wave_selection_run
from prakerja.accounts.roles import VERIFIER, roles_sync
from prakerja.core.actor import Actor
from tests.applicants.wave_setups import close
from tests.factories import (
    DEFAULT_PASSWORD,
    ApplicantFactory,
    BlockReasonFactory,
    StaffUserFactory,
    WaveFactory,
    WaveMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def photo(path: Path, colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_blocked_participant_appeals_with_evidence_on_a_phone(
    page: Page, portal_url, regions, training_fund, tmp_path, artifacts_dir
):
    # Given a participant whose card was suspended by a block for "training done by someone else"
    roles_sync()
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = close(WaveFactory.create(number=72, national_quota=1))
    WaveMemberFactory.create(wave=wave, applicant=applicant)
    wave_selection_run(wave_id=wave.pk, seed=1)
    assert Card.objects.filter(applicant=applicant).exists()
    reason = BlockReasonFactory.create(
        code="someone_else",
        label_id="Pelatihan dikerjakan orang lain (joki)",
        explanation_id="Pelatihan Anda terlihat diikuti oleh orang lain atas nama Anda.",
    )
    verifier = StaffUserFactory.create(group=VERIFIER)
    block_place(applicant=applicant, reason=reason, note="Wajah sesi 2 berbeda", actor=Actor.for_user(verifier))

    # When they log in on a phone
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(applicant.user.email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    # Then the dashboard says the participation is blocked, why, and that the card is suspended
    block = page.get_by_test_id("block")
    expect(block).to_contain_text("Kepesertaan Anda diblokir")
    expect(page.get_by_test_id("block-reason")).to_have_text(reason.label_id)
    expect(block).to_contain_text(reason.explanation_id)
    expect(page.get_by_role("heading", name="Kartu Anda ditangguhkan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "appeal-blocked-dashboard-360.png", full_page=True)

    # When they appeal with a statement and the three photos
    page.get_by_test_id("appeal-link").click()
    expect(page.get_by_role("heading", name="Ajukan banding atas blokir")).to_be_visible()
    page.get_by_label("Mengapa blokir ini keliru?").fill(
        "Saya sendiri yang mengikuti semua sesi. Wajah saya tampak berbeda karena memakai kacamata baru."
    )
    page.get_by_label("Foto KTP Anda").set_input_files(photo(tmp_path / "ktp.jpg", (200, 220, 240)))
    page.get_by_label("Foto kartu keluarga (KK) Anda").set_input_files(photo(tmp_path / "kk.jpg", (230, 240, 200)))
    page.get_by_label("Swafoto sambil memegang KTP Anda").set_input_files(photo(tmp_path / "me.jpg", (240, 210, 200)))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "appeal-form-360.png", full_page=True)
    page.get_by_role("button", name="Kirim banding").click()

    # Then the dashboard shows the appeal waiting for a verifier, with its date, and no second appeal
    expect(page.get_by_test_id("appeal-status")).to_contain_text("Banding Anda sudah diterima")
    expect(page.get_by_test_id("appeal-link")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "appeal-sent-360.png", full_page=True)
    appeal = Appeal.objects.get(applicant=applicant)
    assert appeal.status == AppealStatus.PENDING
    assert appeal.ktp_photo
    assert appeal.kk_photo
    assert appeal.selfie
