"""Streamed CSV export of an admin list at a million rows: 1,000,000 complaints exported by the
complaint desk's "Export CSV", read to the end as a browser downloads it. Measures rows per
second and the process's memory growth between the 100,000th row and the last."""

import os
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Step
from prakerja.accounts.roles import roles_sync
from tests.factories import ApplicantFactory, StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_export_a_million_complaints(report, regions):
    # given a million complaints
    roles_sync()
    applicant = ApplicantFactory.create(reached=Step.READY)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO applicants_complaint (applicant_id, category, subject, body, purchase_ref, status, attachment,
                                              created_at, due_at, updated_at)
            SELECT %s, (ARRAY['purchase', 'training', 'incentive'])[1 + g %% 3], 'Pengaduan nomor ' || g, 'isi', '',
                   'open', '', %s, %s, %s
            FROM generate_series(1, %s) AS g
            """,
            [applicant.pk, now, now, now, ROWS],
        )
        cursor.execute("VACUUM ANALYZE applicants_complaint")
    client = Client()
    client.force_login(StaffUserFactory.create(group="auditor"))

    # when the desk's export is downloaded to the end
    started = time.perf_counter()
    response: Any = client.get(reverse("admin:applicants_complaint_export"))
    lines = 0
    size = 0
    at_100k = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
        if not at_100k and lines >= 100_000:
            at_100k = _rss_kib()
    elapsed = time.perf_counter() - started

    # then every row came, at a steady memory
    assert lines == ROWS + 1
    report(
        "export_csv_complaints",
        elapsed,
        "s",
        rows=ROWS,
        rows_per_s=round(ROWS / elapsed),
        megabytes=round(size / 2**20, 1),
        rss_growth_after_100k_kib=_rss_kib() - at_100k,
    )
