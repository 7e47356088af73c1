"""The PMO's wave screens: run selection with confirmation, progress, exports, search, imports."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import Card, Decision, ImportStatus, RegistryImport, WaveStatus
from applicants.waves.services.selection import wave_selection_run
from prakerja.audit.models import AuditEvent
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


def staff(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def test_pmo_runs_the_selection_after_confirming(staff_groups, training_fund, django_capture_on_commit_callbacks):
    # Given a closed wave of four members and a PMO administrator
    wave = close(WaveFactory.create(national_quota=2))
    WaveMemberFactory.create_batch(4, wave=wave)
    admin = staff("pmo_admin")
    url = reverse("admin:applicants_wave_select", args=[wave.pk])
    # When they open the confirmation page, nothing runs yet
    page = admin.get(url)
    assert "Ya, jalankan seleksi" in page.content.decode()
    assert not Decision.objects.exists()
    # When they confirm with a seed, the selection is queued after commit and runs
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(url, {"seed": "2026"})
    assert response.status_code == 302
    run_after_commit_tasks(callbacks)
    # Then the wave is announced with that seed, and progress says so
    wave.refresh_from_db()
    assert (wave.status, wave.seed) == (WaveStatus.ANNOUNCED, 2026)
    assert Card.objects.filter(wave=wave).count() == 2
    progress = admin.get(reverse("admin:applicants_wave_progress", args=[wave.pk])).json()
    assert (progress["status"], progress["cards"]) == ("announced", 2)
    assert AuditEvent.objects.filter(action="wave.selection_requested").exists()
    # and the wave page shows the province table
    change = admin.get(reverse("admin:applicants_wave_change", args=[wave.pk])).content.decode()
    assert "province-stats" in change


def test_verifiers_may_not_run_a_selection(staff_groups) -> None:
    wave = close(WaveFactory.create())
    response = staff("verifier").post(reverse("admin:applicants_wave_select", args=[wave.pk]), {"seed": "1"})
    assert response.status_code == 403


def test_decisions_export_as_csv_with_masked_niks(staff_groups, training_fund) -> None:
    wave = close(WaveFactory.create(national_quota=1))
    members = WaveMemberFactory.create_batch(3, wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=9)
    response = staff("pmo_admin").get(reverse("admin:applicants_wave_export", args=[wave.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0][:4] == ["member", "nik", "province", "outcome"]
    assert len(rows) == 4
    assert {r[0] for r in rows[1:]} == {str(m.pk) for m in members}
    assert all("*" in r[1] for r in rows[1:])
    assert sum(1 for r in rows[1:] if r[7]) == 1  # one card number
    assert AuditEvent.objects.filter(action="wave.decisions_exported").exists()


def test_decisions_are_found_by_nik_or_card_number(staff_groups, training_fund) -> None:
    from applicants.registration.services.identity import nik_blind_index
    from prakerja.core.crypto import decrypt_value

    wave = close(WaveFactory.create(national_quota=5))
    members = WaveMemberFactory.create_batch(5, wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=3)
    client = staff("verifier")
    url = reverse("admin:applicants_decision_changelist")
    nik = decrypt_value(members[2].applicant.nik_encrypted or b"")
    assert nik_blind_index(nik) == members[2].applicant.nik_index
    # the NIK is posted (never in a URL); the list comes back filtered by its blind index
    by_nik = client.post(reverse("admin:applicants_decision_nik_search"), {"nik": nik}, follow=True)
    assert nik not in by_nik.redirect_chain[-1][0]
    assert [d.pk for d in by_nik.context["cl"].result_list] == [members[2].pk]
    card = Card.objects.get(decision_id=members[4].pk)
    by_card = client.get(url, {"q": card.number})
    assert [d.pk for d in by_card.context["cl"].result_list] == [members[4].pk]


def test_the_decision_list_costs_the_same_queries_for_5_or_50_rows(staff_groups, training_fund) -> None:
    client = staff("pmo_admin")
    url = reverse("admin:applicants_decision_changelist")

    def queries_for(count: int) -> int:
        wave = close(WaveFactory.create(national_quota=count))
        WaveMemberFactory.create_batch(count, wave=wave)
        wave_selection_run(wave_id=wave.pk, seed=1)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"wave__id__exact": wave.pk}).status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(50)


def test_a_registry_uploaded_in_the_admin_is_imported_in_the_background(
    staff_groups, django_capture_on_commit_callbacks
) -> None:
    client = staff("pmo_admin")
    upload = SimpleUploadedFile("bkn.csv", b"nik\n3273015705950001\nbukan-nik\n", content_type="text/csv")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:applicants_registryimport_add"),
            {"kind": "civil_servant", "source": "BKN", "file": upload},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    registry_import = RegistryImport.objects.get()
    assert registry_import.status == ImportStatus.PENDING
    run_after_commit_tasks(callbacks)
    registry_import.refresh_from_db()
    assert (registry_import.status, registry_import.rows_accepted, registry_import.rows_rejected) == ("done", 1, 1)
    detail = client.get(reverse("admin:applicants_registryimport_change", args=[registry_import.pk]))
    assert "16 digit" in detail.content.decode()


def test_a_scheme_change_raises_its_version_and_is_audited(staff_groups) -> None:
    from tests.factories import SchemeFactory

    scheme = SchemeFactory.create()
    version = scheme.version
    client = staff("pmo_admin")
    url = reverse("admin:applicants_scheme_change", args=[scheme.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["training_balance"] = 4_000_000
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    scheme.refresh_from_db()
    assert (scheme.training_balance, scheme.version) == (4_000_000, version + 1)
    assert AuditEvent.objects.filter(action="scheme.changed").exists()


def test_province_quotas_are_imported_from_a_csv_in_the_admin(staff_groups) -> None:
    wave = WaveFactory.create(national_quota=1000)
    client = staff("pmo_admin")
    url = reverse("admin:applicants_wave_quotas", args=[wave.pk])
    bad = client.post(url, {"file": SimpleUploadedFile("q.csv", b"32,900\n11,200\n")})
    assert "melebihi kuota nasional" in bad.content.decode()
    good = client.post(url, {"file": SimpleUploadedFile("q.csv", b"provinsi,kuota\n32,700\nAceh,300\n")})
    assert good.status_code == 302
    assert dict(wave.province_quotas.values_list("province_id", "quota")) == {"32": 700, "11": 300}
