"""The selfie and the session face check in a real Chromium whose camera is a video file
(`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<y4m>`, generated from
scikit-image's astronaut following a liveness challenge): the page's challenge shown, its
getUserMedia, the burst, the upload, the sandbox registry's real face match and liveness on a
real Celery worker of the `identity` queue (the gunicorn server only stores the burst and
queues the check; the page shows "Memeriksa foto…" and polls), and the result shown, on a
360 px phone. The test fixes the challenge (a pending one is shown again) so the video can
follow it, and presses the button when the video's marker says she is about to start
(`tests/faces.py::write_y4m`). A video of her blinking, the old liveness's proof, is refused."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from applicants.models import Applicant, IdentityVerification, Step
from tests import faces as photos
from tests.celery_worker import WorkerProcess, celery_worker, purge_queue
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, liveness_challenge_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("browser")]


def camera_browser(video: str) -> Iterator[Browser]:
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        # The institution's return address resolves to this machine (nothing listens there):
        # no name is looked up and nothing leaves the machine.
        "--host-resolver-rules=MAP lp.example.id 127.0.0.1",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


# The challenge the tests fix; the video follows it.
STEPS = ("left", "blink", "right")

# Presses the page's button when the fake camera's marker appears (the video's lead-in): the
# burst then starts as the video's person starts to follow the steps.
PRESS_ON_MARKER = """
() => new Promise((resolve) => {
  const video = document.querySelector("[data-camera] video");
  const button = document.querySelector("[data-camera] [data-shoot]");
  const canvas = document.createElement("canvas");
  canvas.width = 4; canvas.height = 4;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let dark = false;
  (function tick() {
    context.drawImage(video, 4, 4, 12, 12, 0, 0, 4, 4);
    const level = context.getImageData(2, 2, 1, 1).data[0];
    if (level < 60) dark = true;
    if (dark && level > 200) { button.click(); resolve(true); return; }
    setTimeout(tick, 10);
  })();
})
"""


@pytest.fixture
def challenge_camera(tmp_path: Path) -> Iterator[Page]:
    """A phone-sized page whose camera shows the astronaut following STEPS."""
    for browser in camera_browser(photos.write_y4m(str(tmp_path / "challenge.y4m"), steps=STEPS)):
        context = browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="Asia/Jakarta")
        context.grant_permissions(["camera"])
        yield context.new_page()
        context.close()


@pytest.fixture
def blinking_camera(tmp_path: Path) -> Iterator[Page]:
    """A replayed video of the astronaut blinking at the camera (no challenge followed)."""
    for browser in camera_browser(photos.write_y4m(str(tmp_path / "blink.y4m"), blink=True)):
        context = browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="Asia/Jakarta")
        context.grant_permissions(["camera"])
        yield context.new_page()
        context.close()


def identity_worker(tmp_path: Path, *, purge: bool = True) -> contextlib.AbstractContextManager[WorkerProcess]:
    """The `identity` queue's worker, its files (the kept selfie) under tmp_path."""
    media = tmp_path / "media"
    return celery_worker(
        tmp_path, queue="identity", env={"TEST_FILE_STORAGE": "filesystem", "MEDIA_ROOT": str(media)}, purge=purge
    )


def log_in(page: Page, portal_url: str, email: str) -> None:
    page.goto(portal_url + "/masuk/")
    page.get_by_label("Alamat email").fill(email)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def take_selfie(page: Page, *, on_marker: bool = True) -> None:
    """On the selfie page (from the dashboard's link): the birth place, then the burst."""
    if not page.get_by_label("Tempat lahir (sesuai KTP)").count():
        page.get_by_role("link", name="Verifikasi identitas saya sekarang").click()
    page.get_by_label("Tempat lahir (sesuai KTP)").fill("Kota Bandung")
    shoot = page.get_by_role("button", name="Ambil swafoto")
    expect(shoot).to_be_enabled(timeout=15_000)  # the camera is streaming
    if on_marker:
        page.evaluate(PRESS_ON_MARKER)
    else:
        shoot.click()


def test_an_applicant_verifies_her_identity_with_the_camera(
    challenge_camera: Page, portal_url: str, regions: None, artifacts_dir: Path, tmp_path: Path
) -> None:
    # given an applicant past the phone step whom the sandbox registry knows, photo included,
    # and the challenge her page will show (left, blink, right)
    page = challenge_camera
    applicant = ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())
    liveness_challenge_for(applicant.user, steps=STEPS)
    log_in(page, portal_url, applicant.user.email)
    expect(page.get_by_role("heading", name="Verifikasi identitas Anda sebelum gelombang berikutnya")).to_be_visible()
    # when she opens the selfie page, the steps are listed in order, in Indonesian
    page.get_by_role("link", name="Verifikasi identitas saya sekarang").click()
    steps = page.locator("[data-challenge] li")
    expect(steps).to_have_text(
        ["Tolehkan kepala ke kiri", "Lihat ke kamera dan berkedip sekali", "Tolehkan kepala ke kanan"]
    )
    # and she takes the selfie with the (fake) camera following them, before any identity
    # worker is up
    purge_queue("identity")
    take_selfie(page)
    expect(page.locator("[data-challenge-now]")).to_be_visible()
    page.screenshot(path=artifacts_dir / "selfie-challenge-360.png", full_page=True)
    # then the page says her photo is being checked, and waits (the burst is queued)
    expect(page.locator(".selfie-card[data-state=checking]")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Memeriksa foto Anda…")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "selfie-checking-360.png", full_page=True)
    # and once a worker of the identity queue takes the check, the registry's answer is shown
    # in Indonesian: verified
    with identity_worker(tmp_path, purge=False):
        expect(page.locator(".selfie-card[data-state=verified]")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Identitas Anda terverifikasi dengan data kependudukan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "selfie-verified-360.png", full_page=True)
    verification = IdentityVerification.objects.get(applicant=applicant)
    assert verification.live is True
    assert (verification.face_score or 0) > 45
    assert Applicant.objects.get(pk=applicant.pk).identity_verified_at is not None


def test_a_replayed_video_of_her_blinking_is_asked_to_follow_the_steps(
    blinking_camera: Page, portal_url: str, regions: None, artifacts_dir: Path, tmp_path: Path
) -> None:
    # given a video of the applicant blinking at the camera, played as the camera
    page = blinking_camera
    applicant = ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())
    liveness_challenge_for(applicant.user, steps=STEPS)
    log_in(page, portal_url, applicant.user.email)
    with identity_worker(tmp_path):
        take_selfie(page, on_marker=False)
        # then it is not live: the head never turned left as asked
        expect(page.locator(".selfie-card[data-state=retake]")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Kami tidak melihat Anda menoleh ke kiri")).to_be_visible()
    page.screenshot(path=artifacts_dir / "selfie-retake-360.png", full_page=True)


def test_a_participant_passes_the_face_check_of_a_training_session(
    challenge_camera: Page,
    portal_url: str,
    regions: None,
    training_fund: int,
    django_capture_on_commit_callbacks: object,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    # given a participant with a verified selfie, a paid webinar, and the institution's
    # attendance link for session 1
    from urllib.parse import parse_qs, urlparse

    from django.db import transaction

    from courses.models import Attendance
    from courses.services.redemption import attendance_link_find
    from tests.courses.test_integration_protocol import Institution
    from tests.factories import verified_selfie_for
    from tests.partners.conftest import new_participant_card
    from tests.partners.purchases.test_attendance_face_check import link_for
    from tests.partners.purchases.test_attendance_links import webinar_purchase

    page = challenge_camera
    card = new_participant_card()
    lp = Institution()
    # One transaction, so the purchase's queued SMS waits to be run here (the suite's way of
    # running tasks in-process) instead of running at once against the broker.
    with transaction.atomic():
        purchase = webinar_purchase(card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(card.applicant)
    path = link_for(lp, purchase, card)
    link = attendance_link_find(token=path.rstrip("/").rsplit("/", 1)[-1])
    assert link is not None
    liveness_challenge_for(card.applicant.user, steps=STEPS, purpose="face_check", subject=f"link:{link.pk}")
    log_in(page, portal_url, card.applicant.user.email)
    # when she opens the link and takes the face check with the camera
    page.goto(portal_url + path)
    expect(page.get_by_role("heading", name="Pemeriksaan wajah untuk kehadiran")).to_be_visible()
    shoot = page.get_by_role("button", name="Mulai pemeriksaan wajah")
    expect(shoot).to_be_enabled(timeout=15_000)
    page.screenshot(path=artifacts_dir / "session-face-check-360.png", full_page=True)
    purge_queue("identity")
    # (the worker is stopped only after the request back to the institution was seen)
    with (
        contextlib.ExitStack() as worker,
        page.expect_request(lambda r: r.url.startswith("https://lp.example.id/"), timeout=90_000) as back,
    ):
        page.evaluate(PRESS_ON_MARKER)
        # the burst waits on the identity queue ("Memeriksa foto…") until a worker takes it
        expect(page.locator(".face-check-card[data-state=checking]")).to_be_visible(timeout=30_000)
        page.screenshot(path=artifacts_dir / "session-face-check-checking-360.png", full_page=True)
        worker.enter_context(identity_worker(tmp_path, purge=False))
    # then she is sent back to the institution with the result, and attendance is recorded
    query = parse_qs(urlparse(back.value.url).query)
    assert query["status"] == ["attended"]
    assert query["face_check"] == ["passed"]
    assert Attendance.objects.filter(redeem_code=purchase.redeem_code, sequence=1).exists()
