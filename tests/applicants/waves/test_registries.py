"""Registry imports: only hashes kept, rejected rows reported, versions replace each other."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applicants.models import ImportStatus, RegistryEntry, RegistryImport, RegistryKind
from applicants.registration.nik import Gender, build_nik
from applicants.registration.services.identity import nik_blind_index
from applicants.waves.selectors import registry_contains
from applicants.waves.services.registries import registry_import_create, registry_import_run
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

GOOD = [
    build_nik(district_code="327301", birth_date=dt.date(1990, 1, n), gender=Gender.FEMALE, serial=n)
    for n in range(1, 6)
]


def upload(text: str, name: str = "daftar.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def imported(text: str, *, kind: RegistryKind = RegistryKind.CIVIL_SERVANT, source: str = "BKN") -> RegistryImport:
    staff = StaffUserFactory.create()
    created = registry_import_create(
        kind=kind, source=source, upload=upload(text), actor=Actor.for_user(staff), enqueue=False
    )
    return registry_import_run(import_id=created.pk)


def test_an_import_keeps_only_hashes_and_reports_each_rejected_line() -> None:
    # Given a file with a header, five good NIKs (one with a name, one with spaces), a short
    # one, an unknown province, a bad date and a duplicate
    spaced = f"{GOOD[1][:6]} {GOOD[1][6:12]} {GOOD[1][12:]}"
    text = "\n".join(
        [
            "nik,nama",
            f"{GOOD[0]},Siti Aminah",
            spaced,
            GOOD[2],
            GOOD[3],
            GOOD[4],
            "12345",
            "9901011501900001",
            "3273019913900001",
            GOOD[0],
        ]
    )
    # When it is imported
    result = imported(text)
    # Then the good rows are stored as blind indexes only, and each bad line says why
    assert (result.status, result.rows_total, result.rows_accepted, result.rows_rejected) == ("done", 9, 5, 4)
    stored = set(RegistryEntry.objects.filter(registry_import=result).values_list("nik_index", flat=True))
    assert stored == {nik_blind_index(n) for n in GOOD}
    assert [r["line"] for r in result.rejections] == [7, 8, 9, 10]
    assert "16" in result.rejections[0]["reason"]
    assert all(GOOD[0] not in str(r) for r in result.rejections)
    # and the uploaded file, which held NIKs in the clear, is gone
    assert not result.file
    assert AuditEvent.objects.filter(action="registry.imported").exists()


def test_semicolon_files_are_read_too() -> None:
    result = imported(f"{GOOD[0]};Budi\n{GOOD[1]};Ani\n")
    assert result.rows_accepted == 2


def test_a_new_version_replaces_the_old_one_for_its_source_only() -> None:
    # Given version 1 from BKN with NIK 0 and a Dapodik student list with NIK 2
    first = imported(GOOD[0])
    students = imported(GOOD[2], kind=RegistryKind.STUDENT, source="Dapodik")
    # When BKN sends version 2 with NIK 1 only
    second = imported(GOOD[1])
    # Then version 2 is in use, NIK 0 no longer counts, and the student list is untouched
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert not first.is_current
    assert second.is_current
    assert not registry_contains(nik_index=nik_blind_index(GOOD[0]), kinds=[RegistryKind.CIVIL_SERVANT])
    assert registry_contains(nik_index=nik_blind_index(GOOD[1]), kinds=[RegistryKind.CIVIL_SERVANT])
    students.refresh_from_db()
    assert students.is_current


def test_running_a_finished_import_again_changes_nothing() -> None:
    result = imported(GOOD[0])
    again = registry_import_run(import_id=result.pk)
    assert again.status == ImportStatus.DONE
    assert RegistryEntry.objects.filter(registry_import=result).count() == 1


def test_a_wage_list_keeps_each_rows_monthly_wage_and_rejects_rows_without_one() -> None:
    # Given a wage-earners file with amounts written as agencies write them, and one row without
    text = "\n".join(
        [
            "nik;upah",
            f"{GOOD[0]};3500000",
            f"{GOOD[1]};Rp 4.750.000",
            f"{GOOD[2]};5,250,000.00",
            f"{GOOD[3]};",
            f"{GOOD[4]};tiga juta",
        ]
    )
    # When it is imported as the wage-earners list
    result = imported(text, kind=RegistryKind.WAGE_EARNER, source="BPJS Ketenagakerjaan")
    # Then each accepted row keeps its wage in rupiah, and the rows without one say why
    amounts = dict(RegistryEntry.objects.filter(registry_import=result).values_list("nik_index", "amount"))
    assert amounts == {
        nik_blind_index(GOOD[0]): 3_500_000,
        nik_blind_index(GOOD[1]): 4_750_000,
        nik_blind_index(GOOD[2]): 5_250_000,
    }
    assert [r["line"] for r in result.rejections] == [5, 6]
    assert "upah" in result.rejections[0]["reason"].lower() or "wage" in result.rejections[0]["reason"]


def test_other_lists_keep_no_amount() -> None:
    result = imported(f"{GOOD[0]},3500000\n", kind=RegistryKind.DECEASED, source="Dukcapil")
    assert list(RegistryEntry.objects.filter(registry_import=result).values_list("amount", flat=True)) == [None]
