"""Two-factor login for staff: with STAFF_2FA_REQUIRED (always in production), the admin asks
a new staff user to enrol an authenticator app, and every later session for a code."""

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from prakerja.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings, staff_groups) -> None:
    settings.STAFF_2FA_REQUIRED = True


def staff_client(email: str) -> Client:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_new_staff_user_enrols_then_every_session_asks_for_a_code():
    # given a curator who logged in with the password only
    staff = StaffUserFactory.create(group="curator")
    client = staff_client(staff.email)

    # then the admin sends them to set up two-factor login, with a QR code and the key
    response = client.get("/admin/courses/course/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/2fa/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "two-factor-qr" in page
    assert 'data-testid="totp-key"' in page
    device = TOTPDevice.objects.get(user=staff, confirmed=False)

    # when a wrong code, then the app's code, is entered
    wrong = client.post("/admin/2fa/?next=/admin/courses/course/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "tidak benar" in wrong.content.decode()
    too_soon = client.post("/admin/2fa/?next=/admin/courses/course/", {"code": code(device)})
    assert "tunggu beberapa detik" in too_soon.content.decode()  # django-otp's backoff after a wrong code
    time.sleep(2.1)
    done = client.post("/admin/2fa/?next=/admin/courses/course/", {"code": code(device)})

    # then the device is confirmed, and the admin opens where they were going
    assert done["Location"] == "/admin/courses/course/"
    assert client.get("/admin/courses/course/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    actions = set(AuditEvent.objects.filter(actor_user=staff).values_list("action", flat=True))
    assert {"staff.2fa_failed", "staff.2fa_enrolled", "staff.2fa_passed"} <= actions

    # and a new session (another browser) must give a code again, without enrolling again
    other = staff_client(staff.email)
    assert other.get("/admin/").status_code == 302
    page = other.get("/admin/2fa/").content.decode()
    assert "two-factor-qr" not in page
    # (a code is accepted once: the next session uses the next 30-second code, played here)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    other.post("/admin/2fa/", {"code": code(device)})
    assert other.get("/admin/").status_code == 200


def test_codes_are_throttled_per_user():
    staff = StaffUserFactory.create(group="finance")
    client = staff_client(staff.email)
    statuses = [client.post("/admin/2fa/", {"code": "123456"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_the_portal_does_not_ask_applicants_for_a_second_factor():
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    assert client.get("/dasbor/").status_code in (200, 302)
    assert not client.get("/dasbor/").get("Location", "").startswith("/admin/2fa/")


def test_production_settings_require_it():
    from pathlib import Path

    source = Path("prakerja/settings/production.py").read_text()
    assert "STAFF_2FA_REQUIRED = True" in source
