"""Streamed CSV exports from the admin lists: the list's filters apply, identifiers leave masked,
each export is audited with its filters, only staff who may see a list may export it, and a
million-row export keeps the process's memory flat."""

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.complaints.services import complaint_file
from applicants.models import Complaint, Step
from prakerja.audit.models import AuditEvent
from tests.factories import ApplicantFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; staff their groups."""


def staff(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_applicant_export_follows_the_filters_and_masks_identifiers():
    # given applicants at two steps
    ready = ApplicantFactory.create(reached=Step.READY)
    ApplicantFactory.create(reached=Step.CONTACT)
    auditor = staff("auditor")

    # when the list filtered on "ready" is exported (the list page offers it with the filters)
    changelist = reverse("admin:applicants_applicant_changelist")
    page = auditor.get(changelist, {"step": "ready"}).content.decode()
    export = reverse("admin:applicants_applicant_export")
    assert f"{export}?step=ready" in page
    response = auditor.get(export, {"step": "ready"})

    # then only the ready applicant is in it, with the masked NIK and no email or name
    assert response["Content-Type"].startswith("text/csv")
    header, *lines = rows(response)
    assert "nik_masked" in header
    assert [line[0] for line in lines] == [str(ready.pk)]
    text = ",".join(lines[0])
    assert ready.nik_masked in text
    assert ready.user.email not in text
    assert ready.full_name not in text
    # and the export is audited with its filters
    event = AuditEvent.objects.get(action="export.applicant")
    assert event.payload["filters"] == "step=ready"


def test_complaints_export_with_filters_and_who_may_export():
    # given complaints of two categories
    applicant = ApplicantFactory.create(reached=Step.READY)
    for category in ("purchase", "incentive", "incentive"):
        complaint_file(applicant=applicant, category=category, subject=f"Soal {category}", body="isi")
    export = reverse("admin:applicants_complaint_export")

    # when the desk exports the incentive ones
    header, *lines = rows(staff("verifier").get(export, {"category__exact": "incentive"}))

    # then exactly those come out, and a group without the desk cannot export
    assert header[:3] == ["id", "filed_at", "category"]
    assert [line[2] for line in lines] == ["incentive", "incentive"]
    assert staff("curator").get(export).status_code == 403
    assert staff("finance").get(export).status_code == 403


def test_payouts_purchases_and_decisions_exports_exist_for_their_roles():
    # given the finance and partner-manager staff
    finance = staff("finance")
    manager = staff("partner_manager")

    # when they export their lists (empty here), then each answers with its header; others are refused
    payouts = rows(finance.get(reverse("admin:applicants_payout_export")))
    purchases = rows(manager.get(reverse("admin:partners_purchase_export")))
    decisions = rows(staff("pmo_admin").get(reverse("admin:applicants_decision_export")))
    assert payouts[0][:2] == ["payout", "reference"]
    assert purchases[0][4] == "card"
    assert decisions[0][1] == "nik"
    assert staff("curator").get(reverse("admin:applicants_payout_export")).status_code == 403
    assert staff("curator").get(reverse("admin:partners_purchase_export")).status_code == 403


def test_a_bad_filter_is_a_clear_error_not_a_crash():
    response = staff("auditor").get(reverse("admin:applicants_complaint_export"), {"nonsense__field": "1"})
    assert response.status_code == 400


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.xdist_group("big")
def test_a_million_row_export_keeps_memory_flat():
    # given 1,000,000 complaints
    applicant = ApplicantFactory.create(reached=Step.READY)
    total = 1_000_000
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO applicants_complaint (applicant_id, category, subject, body, purchase_ref, status, attachment,
                                              created_at, due_at, updated_at)
            SELECT %s, 'training', 'Pengaduan ' || g, 'isi', '', 'open', '', %s, %s, %s
            FROM generate_series(1, %s) AS g
            """,
            [applicant.pk, timezone.now(), timezone.now(), timezone.now(), total],
        )
    assert Complaint.objects.count() == total
    client = staff("auditor")

    # when they are exported and read line by line, as a browser downloads them
    response: Any = client.get(reverse("admin:applicants_complaint_export"))
    lines = 0
    at_100k = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        if not at_100k and lines >= 100_000:
            at_100k = _rss_kib()
    at_end = _rss_kib()

    # then every row came out, and memory grew by less than 20 MiB from the 100,000th row to the last
    assert lines == total + 1
    assert at_end - at_100k < 20 * 1024, f"grew {at_end - at_100k} KiB"
