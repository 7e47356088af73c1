"""Importing a 1,000,000-row registry file: read, check, hash and load."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applicants.models import RegistryKind
from applicants.registration.nik import Gender, build_nik
from applicants.waves.services.registries import registry_import_create, registry_import_run
from prakerja.core.actor import Actor
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 1_000_000
DISTRICTS = ["327301", "317101", "357801", "110101", "517101", "640101"]


def registry_csv(rows: int) -> bytes:
    """A header, then NIKs with names; one row in a hundred is broken in some way."""
    lines = ["nik,nama"]
    for n in range(rows):
        if n % 100 == 99:
            lines.append(f"{n:012d},Baris rusak")
            continue
        birth = dt.date(1960 + n % 45, 1 + n % 12, 1 + n % 28)
        district = DISTRICTS[n % len(DISTRICTS)]
        # n % 1260 fixes the district and birth date (1260 = lcm of 6, 45, 12, 28): unique NIKs.
        nik = build_nik(district_code=district, birth_date=birth, gender=Gender.MALE, serial=1 + (n // 1260) % 9999)
        lines.append(f"{nik},Nama {n}")
    return ("\n".join(lines) + "\n").encode()


def test_import_one_million_rows(report, regions) -> None:
    data = registry_csv(ROWS)
    staff = StaffUserFactory.create()
    created = registry_import_create(
        kind=RegistryKind.SOCIAL_AID,
        source="DTKS",
        upload=SimpleUploadedFile("dtks.csv", data, content_type="text/csv"),
        actor=Actor.for_user(staff),
        enqueue=False,
    )
    started = time.perf_counter()
    done = registry_import_run(import_id=created.pk)
    elapsed = time.perf_counter() - started
    assert done.status == "done"
    assert done.rows_total == ROWS
    assert done.rows_rejected == ROWS // 100
    assert done.rows_accepted == ROWS - ROWS // 100
    report(
        "registries.import_1m_rows",
        elapsed,
        "s",
        rows=ROWS,
        accepted=done.rows_accepted,
        rejected=done.rows_rejected,
        file_mb=round(len(data) / 2**20, 1),
        aim="well under 60 s",
    )
    report("registries.import_rate", ROWS / elapsed, "rows/s", rows=ROWS)
