"""Staff sessions: logins, failures, lock-outs and logouts are audited; an idle staff session
ends; applicants' sessions are not touched."""

import time

import pytest
from django.test import Client

from prakerja.accounts.security import LAST_SEEN
from prakerja.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def login(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> int:
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return response.status_code


def test_a_staff_login_and_logout_are_audited_with_the_address(staff_groups):
    # given a verifier
    staff = StaffUserFactory.create(group="verifier")
    client = Client(REMOTE_ADDR="203.0.113.7")

    # when they log in and out
    assert login(client, staff.email) == 302
    client.post("/admin/logout/")

    # then both are in the audit trail, with the address
    login_event = AuditEvent.objects.get(action="staff.login")
    assert login_event.actor_user == staff
    assert login_event.ip_address == "203.0.113.7"
    assert AuditEvent.objects.filter(action="staff.logout", actor_user=staff).exists()


def test_failed_staff_logins_are_audited_and_lock_the_account_out(staff_groups):
    # given a finance user whose password someone is guessing
    staff = StaffUserFactory.create(group="finance")
    client = Client()

    # when five wrong passwords are tried
    for _ in range(5):
        login(client, staff.email, "salah-salah")

    # then each failure is audited, and the next try (even the right password) is refused
    assert AuditEvent.objects.filter(action="staff.login_failed").count() == 5
    assert login(client, staff.email) == 429
    assert AuditEvent.objects.filter(action="staff.locked_out").exists()
    assert not AuditEvent.objects.filter(action="staff.login").exists()


def test_an_applicants_wrong_password_is_not_written_to_the_trail():
    user = UserFactory.create()
    login(Client(), user.email, "salah-salah")
    assert not AuditEvent.objects.filter(action__startswith="staff.").exists()


def test_an_idle_staff_session_ends(staff_groups, settings):
    # given an auditor logged in, and a 30-minute idle limit
    settings.STAFF_IDLE_TIMEOUT_S = 1800
    staff = StaffUserFactory.create(group="auditor")
    client = Client()
    assert login(client, staff.email) == 302
    assert client.get("/admin/").status_code == 200

    # when 31 minutes pass without a request
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()

    # then the next request is sent to the login page, and the expiry is audited
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert AuditEvent.objects.filter(action="staff.session_expired", actor_user=staff).exists()


def test_an_active_staff_session_stays(staff_groups, settings):
    settings.STAFF_IDLE_TIMEOUT_S = 1800
    staff = StaffUserFactory.create(group="auditor")
    client = Client()
    login(client, staff.email)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 10 * 60
    session.save()
    assert client.get("/admin/").status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 5
