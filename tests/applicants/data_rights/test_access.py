"""Access: an applicant asks for everything the portal holds about them; a task prepares a zip
(data.json and a summary), the link comes by email, works one day and only for its owner;
requests and downloads are audited without personal data; one request pending at a time."""

import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import AccessRequest, AccessStatus, Applicant, Step
from prakerja.audit.models import AuditEvent
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "data_rights"
ARTIFACTS.mkdir(parents=True, exist_ok=True)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None) -> None:
    """Applicants need provinces."""


def signed_in(reached: Step = Step.READY) -> tuple[Client, Applicant]:
    applicant = ApplicantFactory.create(reached=reached)
    client = Client()
    client.force_login(applicant.user)
    return client, applicant


def run_all(capture: Any, callbacks: Any) -> None:
    """Run the queued tasks in-process, then what they queued (the email)."""
    while callbacks:
        with capture() as queued:
            run_after_commit_tasks(callbacks)
        callbacks = list(queued)


def link_in_email(to: str) -> str:
    message = SandboxMessage.objects.filter(to=to).latest("pk")
    match = re.search(r"https?://\S+?(/data-saya/unduh/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_an_applicant_downloads_everything_the_portal_holds_about_them(django_capture_on_commit_callbacks):
    # given a signed-in applicant with a complaint on file
    client, applicant = signed_in()
    applicant.complaints.create(category="other", subject="Tanya", body="Pertanyaan saya")
    assert reverse("applicants:my-data") in client.get(reverse("applicants:dashboard")).content.decode()

    # when they ask for their data and the task runs
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("applicants:my-data"), {"action": "access"})
    assert response.status_code == 302
    run_all(django_capture_on_commit_callbacks, callbacks)

    # then the email's link downloads a zip with their data and a summary
    access = AccessRequest.objects.get(applicant=applicant)
    assert access.status == AccessStatus.READY
    download = client.get(link_in_email(applicant.user.email))
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == applicant.user.email
    assert data["applicant"]["full_name"] == applicant.full_name
    assert len(data["applicant"]["nik"]) == 16
    assert "nik_encrypted" not in data["applicant"]
    assert "password" not in json.dumps(data["account"])
    assert data["related"]["applicants.complaint"][0]["subject"] == "Tanya"
    assert applicant.full_name in archive.read("ringkasan.html").decode()
    pdf = archive.read("ringkasan.pdf")
    assert pdf.startswith(b"%PDF-")
    (ARTIFACTS / "ringkasan.pdf").write_bytes(pdf)

    # and the request, the preparation and the download are audited without personal data
    events = AuditEvent.objects.filter(action__startswith="data_rights.access_").order_by("pk")
    assert [e.action for e in events] == [
        "data_rights.access_requested",
        "data_rights.access_prepared",
        "data_rights.access_downloaded",
    ]
    for event in events:
        text = json.dumps(event.payload) + event.object_repr
        assert applicant.full_name not in text
        assert applicant.user.email not in text


def test_another_applicant_cannot_fetch_the_link(django_capture_on_commit_callbacks):
    # given an applicant whose data is ready
    client, applicant = signed_in()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("applicants:my-data"), {"action": "access"})
    run_all(django_capture_on_commit_callbacks, callbacks)
    link = link_in_email(applicant.user.email)

    # when another signed-in applicant, or nobody signed in, opens the link
    other, _ = signed_in()
    # then the other gets 404 and the anonymous visitor is sent to sign in
    assert other.get(link).status_code == 404
    assert Client().get(link).status_code == 302
    assert not AuditEvent.objects.filter(action="data_rights.access_downloaded").exists()


def test_the_link_stops_working_after_a_day(django_capture_on_commit_callbacks, monkeypatch):
    # given a link emailed now
    client, applicant = signed_in()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("applicants:my-data"), {"action": "access"})
    run_all(django_capture_on_commit_callbacks, callbacks)
    link = link_in_email(applicant.user.email)

    # when the owner opens it a day and a minute later (the signature's clock)
    later = time.time() + 24 * 3600 + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.get(link)

    # then it no longer works
    assert response.status_code == 404


def test_one_request_is_prepared_at_a_time():
    # given an applicant whose first request is still being prepared
    client, applicant = signed_in(Step.VERIFY_EMAIL)
    client.post(reverse("applicants:my-data"), {"action": "access"})

    # when they ask again
    page = client.post(reverse("applicants:my-data"), {"action": "access"}, follow=True).content.decode()

    # then no second request is made and the page says why
    assert AccessRequest.objects.filter(applicant=applicant).count() == 1
    assert AccessRequest.objects.get(applicant=applicant).status == AccessStatus.PENDING
    assert 'data-status="pending"' in page


def test_preparing_twice_changes_nothing(django_capture_on_commit_callbacks):
    # given a prepared request
    from applicants.data_rights.services import access_prepare

    _, applicant = signed_in()
    access = AccessRequest.objects.create(applicant=applicant)
    with django_capture_on_commit_callbacks() as callbacks:
        access_prepare(access_id=access.pk)
    run_all(django_capture_on_commit_callbacks, callbacks)
    first = AccessRequest.objects.get(pk=access.pk).export.name
    # when the task runs again
    access_prepare(access_id=access.pk)
    # then the same file stays and one email was sent
    assert AccessRequest.objects.get(pk=access.pk).export.name == first
    assert SandboxMessage.objects.filter(to=applicant.user.email).count() == 1
