"""Attack: a staff member uses the admin to reach beyond their job: read other staff's
second-factor secrets, make themselves superuser, take over another staff account, run an
arbitrary Celery task through the periodic-task screen, or (a curator) mint and read an
institution's integration key; and an institution's leaked key keeps working."""

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_otp.plugins.otp_totp.models import TOTPDevice

from courses.integration.signing import integration_signature
from courses.models.institutions import InstitutionSigningKey
from courses.services.institutions import signing_key_issue, signing_keys_valid
from prakerja.audit.models import AuditEvent
from prakerja.celery import app as celery_app
from prakerja.core.actor import Actor
from prakerja.core.beat import SCHEDULED_TASKS, ProjectScheduler, periodic_task_allowed
from tests.factories import DEFAULT_PASSWORD, InstitutionFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUS_PATH = "/api/v1/integration/payment/redeem-code/status"


def integration_call(client_code: str, key: str, *, stamp: int) -> Any:
    """A signed redeem-code status call for a code that does not exist: 404 once authenticated."""
    body = json.dumps({"redeem_code": "NOPE"}, separators=(",", ":"))
    signature = integration_signature(
        sign_key=key, client_code=client_code, timestamp=str(stamp), method="POST", path=STATUS_PATH, body=body
    )
    return Client().post(
        STATUS_PATH,
        body,
        content_type="application/json",
        HTTP_CLIENT_CODE=client_code,
        HTTP_TIMESTAMP=str(stamp),
        HTTP_SIGNATURE=signature,
    )


def logged_in(group: str) -> tuple[Client, object]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_auditor_cannot_read_second_factor_secrets_or_other_credentials(staff_groups):
    # given a finance user's authenticator device
    device = TOTPDevice.objects.create(user=StaffUserFactory.create(group="finance"), name="Phone", confirmed=True)
    auditor, _user = logged_in("auditor")

    # when the auditor opens the TOTP devices, their QR code, sessions and keys
    pages = [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        "/admin/partners/partnerapikey/",
        "/admin/rest_framework_api_key/apikey/",
        "/admin/courses/institutionsigningkey/",
    ]
    statuses = {page: auditor.get(page).status_code for page in pages}

    # then none is shown
    assert all(status in (403, 404) for status in statuses.values()), statuses
    # and the auditor still reads the rest (the audit trail, the ledger)
    assert auditor.get("/admin/audit/auditevent/").status_code == 200
    assert auditor.get("/admin/ledger/posting/").status_code == 200


def test_even_a_superuser_is_not_shown_a_devices_secret(settings):
    # given a device, and a superuser looking at it
    device = TOTPDevice.objects.create(user=UserFactory.create(), name="Phone", confirmed=True)
    root = Client()
    root.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    # then the key and the QR code stay hidden (OTP_ADMIN_HIDE_SENSITIVE_DATA)
    page = root.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    assert root.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code in (403, 404)


def test_a_pmo_admin_cannot_make_itself_superuser_or_change_groups(staff_groups):
    # given a PMO administrator
    client, pmo = logged_in("pmo_admin")
    url = f"/admin/accounts/user/{pmo.pk}/change/"  # type: ignore[attr-defined]
    finance = Group.objects.get(name="finance")

    # when it posts its own record with superuser status, a group and staff rights
    client.post(
        url,
        {
            "email": pmo.email,  # type: ignore[attr-defined]
            "full_name": "Pmo",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [finance.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    # then nothing of that is saved, and the form does not even offer it
    pmo.refresh_from_db()  # type: ignore[attr-defined]
    assert not pmo.is_superuser  # type: ignore[attr-defined]
    assert not pmo.groups.filter(name="finance").exists()  # type: ignore[attr-defined]
    form = client.get(url).context["adminform"].form
    assert not {"is_superuser", "groups", "user_permissions", "is_staff"} & set(form.fields)


def test_a_pmo_admin_cannot_take_over_another_staff_account(staff_groups):
    # given a PMO administrator, a finance user and a superuser
    client, _pmo = logged_in("pmo_admin")
    finance = StaffUserFactory.create(group="finance")
    root = UserFactory.create(is_staff=True, is_superuser=True)

    # when it sets the finance user's password, changes their email, or edits the superuser
    password = client.post(
        f"/admin/accounts/user/{finance.pk}/password/",
        {"password1": "Takeover-2026-x", "password2": "Takeover-2026-x", "usable_password": "true"},
    )
    client.post(
        f"/admin/accounts/user/{finance.pk}/change/",
        {"email": "attacker@example.com", "full_name": "x", "is_active": "on"},
    )
    root_edit = client.post(
        f"/admin/accounts/user/{root.pk}/change/", {"email": "attacker@example.com", "full_name": "x"}
    )

    # then each is refused and nothing changed
    assert password.status_code == 403
    finance.refresh_from_db()
    root.refresh_from_db()
    assert finance.check_password(DEFAULT_PASSWORD)
    assert finance.email != "attacker@example.com"
    assert root_edit.status_code == 403
    assert root.email != "attacker@example.com"


def test_a_pmo_admin_cannot_run_an_arbitrary_task_through_the_schedules(staff_groups):
    # given a PMO administrator and the project's daily disbursement job
    client, _pmo = logged_in("pmo_admin")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    daily, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
    # (as the migration made it; transactional tests elsewhere may have flushed it)
    job, _ = PeriodicTask.objects.get_or_create(
        name="Disburse due incentives (daily)", defaults={"task": "payouts.disburse", "interval": daily}
    )

    # when it adds a job that sends an SMS, rewrites the job's task and arguments, and runs it now
    added = client.post(
        "/admin/django_celery_beat/periodictask/add/",
        {"name": "x", "task": "messaging.sms_send", "args": '["+6281", "hi"]', "interval": every_minute.pk},
    )
    client.post(
        f"/admin/django_celery_beat/periodictask/{job.pk}/change/",
        {
            "name": job.name,
            "task": "messaging.sms_send",
            "regtask": "messaging.sms_send",
            "args": '["+6281", "hi"]',
            "kwargs": "{}",
            "interval": every_minute.pk,
            "enabled": "on",
        },
    )
    run_now = client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "run_tasks", "_selected_action": [job.pk]}
    )

    # then no job was added, the job still runs its own task without arguments, at the new time
    assert added.status_code == 403
    assert not PeriodicTask.objects.filter(task="messaging.sms_send").exists()
    job.refresh_from_db()
    assert job.task == "payouts.disburse"
    assert json.loads(job.args) == []
    assert job.interval_id == every_minute.pk  # its time is the one thing it may change
    assert AuditEvent.objects.filter(action="periodic_task.change", object_id=str(job.pk)).exists()
    # and "run now" is neither done nor offered
    assert "run_tasks" not in run_now.content.decode()
    assert client.get(f"/admin/django_celery_beat/periodictask/{job.pk}/change/").status_code == 200
    assert "run_tasks" not in client.get("/admin/django_celery_beat/periodictask/").content.decode()


def test_the_scheduler_runs_only_the_projects_own_jobs(staff_groups):
    # given a row written straight into the table (a superuser, or the database) for another task
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="smuggled", task="messaging.sms_send", args='["+6281"]', interval=every_minute)
    PeriodicTask.objects.create(name="with args", task="payouts.disburse", kwargs='{"day": "x"}', interval=every_minute)
    PeriodicTask.objects.create(name="own job", task="system.heartbeat", interval=every_minute)

    # when beat reads its schedule
    scheduler = ProjectScheduler(app=celery_app, lazy=True)
    names = {model.name for model in scheduler.enabled_models()}

    # then the smuggled rows are not in it, the project's job is, and every job the
    # migrations schedule is one the scheduler runs
    assert "smuggled" not in names
    assert "with args" not in names
    assert "own job" in names
    assert all(
        periodic_task_allowed(task=task) for task in PeriodicTask.objects.exclude(name__in=["smuggled", "with args"])
    )


def test_a_curator_neither_issues_nor_sees_an_integration_key(staff_groups):
    # given a curator and an institution
    client, _curator = logged_in("curator")
    institution = InstitutionFactory.create()
    signing_key_issue(institution=institution, actor=Actor.for_user(StaffUserFactory.create()), overlap=None)

    # when the curator issues a key, registers an institution, and opens the key screens
    issue = client.post(
        "/admin/courses/traininginstitution/",
        {"action": "issue_signing_key", "_selected_action": [institution.pk]},
        follow=True,
    )
    registered = client.post(
        "/admin/courses/traininginstitution/add/",
        {
            "legal_name": "PT Latih",
            "brand": "Latih",
            "business_number": "1234567890123",
            "contact_email": "lp@example.com",
        },
        follow=True,
    )
    page = client.get(f"/admin/courses/traininginstitution/{institution.pk}/change/").content.decode()

    # then no key was made or shown
    assert InstitutionSigningKey.objects.filter(institution=institution).count() == 1
    assert "signing key" not in issue.content.decode().lower() or "copy" not in issue.content.decode().lower()
    assert registered.status_code == 200
    assert not InstitutionSigningKey.objects.filter(institution__brand="Latih").exists()
    assert "…" + institution.signing_keys.get().key_hint not in page
    assert client.get("/admin/courses/institutionsigningkey/").status_code in (403, 404)


def test_a_leaked_institution_key_can_be_revoked_at_once(staff_groups):
    # given an institution whose key leaked, and a PMO administrator (who may issue keys)
    client, _pmo = logged_in("pmo_admin")
    institution = InstitutionFactory.create()
    leaked = signing_key_issue(institution=institution, actor=Actor.for_user(StaffUserFactory.create()), overlap=None)
    assert signing_keys_valid(institution=institution) == [leaked]
    # (the attacker's calls are accepted: the server now holds the key in its per-process cache)
    assert integration_call(institution.client_code, leaked, stamp=int(time.time())).status_code == 404

    # when it revokes the institution's keys now
    client.post(
        "/admin/courses/traininginstitution/",
        {"action": "revoke_signing_keys", "_selected_action": [institution.pk]},
    )

    # then the key stops verifying at once, even for the server that had it cached, and the
    # revocation is audited
    assert signing_keys_valid(institution=institution) == []
    assert integration_call(institution.client_code, leaked, stamp=int(time.time()) - 1).status_code == 401
    event = AuditEvent.objects.get(action="institution.signing_keys_revoke")
    assert event.payload["hints"] == [leaked[-4:]]
    assert leaked not in json.dumps(event.payload)


def test_every_job_a_migration_schedules_is_one_the_scheduler_runs():
    # given the periodic jobs the migrations create (read from their source: other tests'
    # flushes may have emptied the table this process sees)
    root = Path(__file__).resolve().parents[2]
    scheduled = {
        match
        for path in root.glob("*/**/migrations/*.py")
        if ".venv" not in path.parts
        for match in re.findall(r'"task": "([a-z_.]+)"', path.read_text())
    }
    # then beat's whitelist holds every one of them (a job left out is silently never run)
    assert scheduled
    assert scheduled - SCHEDULED_TASKS == set()
