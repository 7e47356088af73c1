"""The retention job on a million applicants: 700,000 never got a card and were inactive past
the period (due), 200,000 registered recently, 100,000 are members of a wave still open. KTP
photos are storage paths only (no files): the figure is the SQL part of the job (the batched
UPDATEs, the user-name clean-up and the audit event), not deleting files from storage."""

import time

import pytest
from django.db import connection
from django.utils import timezone

from applicants.models import Applicant, WaveStatus
from applicants.privacy.retention import retention_run
from tests.factories import WaveFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 1_000_000
DUE = 700_000
IN_WAVE = 100_000


def _execute(sql: str, params: dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_retention_on_a_million_applicants(report, regions) -> None:
    started = time.perf_counter()
    _execute(
        """
        INSERT INTO accounts_user (
            password, is_superuser, email, full_name, is_staff, is_active, date_joined, last_login
        )
        SELECT '!', false, 'ret' || g || '@bench.id', 'Pendaftar ' || g, false, true,
               CASE WHEN g <= %(old)s THEN now() - interval '900 days' ELSE now() END,
               CASE WHEN g <= %(old)s THEN now() - interval '800 days' ELSE now() END
        FROM generate_series(1, %(rows)s) AS g
        """,
        {"rows": ROWS, "old": DUE + IN_WAVE},
    )
    _execute(
        """
        INSERT INTO applicants_applicant (
            user_id, step, nik_index, nik_masked, kk_index, kk_masked, full_name, gender, nik_region_known,
            flag_birth_date_mismatch, review_status, review_reason, phone, address, education,
            marital_status, employment_status, training_interests, ktp_photo, created_at, updated_at,
            nik_birth_date, birth_date
        )
        SELECT u.id, 'ready', 'ret-nik-' || u.id, '3273********0001', 'ret-kk-' || u.id, '3273********0001',
               u.full_name, 'F', true, false, 'none', '', '+62812' || u.id, 'Jl. Uji', 'sma', 'single',
               'unemployed', '{}', 'private/ktp/' || md5(u.id::text) || '.jpg', u.date_joined, u.date_joined,
               '1995-05-17', '1995-05-17'
        FROM accounts_user u WHERE u.email LIKE 'ret%%@bench.id'
        """
    )
    wave = WaveFactory.create(status=WaveStatus.OPEN)
    _execute(
        """
        INSERT INTO applicants_wavemember (wave_id, applicant_id, province_id, statements_accepted_at, joined_at)
        SELECT %(wave)s, a.id, (SELECT min(code) FROM applicants_province), now(), now() FROM applicants_applicant a
        JOIN accounts_user u ON u.id = a.user_id
        WHERE u.email LIKE 'ret%%@bench.id' ORDER BY a.id OFFSET %(due)s LIMIT %(in_wave)s
        """,
        {"wave": wave.pk, "due": DUE, "in_wave": IN_WAVE},
    )
    _execute("ANALYZE accounts_user; ANALYZE applicants_applicant; ANALYZE applicants_wavemember")
    built = time.perf_counter() - started

    # when the job runs (files not deleted: the paths name no files)
    started = time.perf_counter()
    result = retention_run(now=timezone.now(), delete_files=False)
    seconds = time.perf_counter() - started
    # and again: nothing left to do
    started = time.perf_counter()
    again = retention_run(delete_files=False)
    second_seconds = time.perf_counter() - started

    assert result.anonymised == DUE
    assert result.photos_deleted == DUE
    assert again.anonymised == 0
    assert Applicant.objects.filter(anonymised_at__isnull=True).count() >= ROWS - DUE
    report(
        "retention_run_sql",
        seconds,
        "s",
        rows=ROWS,
        anonymised=result.anonymised,
        batches=result.batches,
        second_run_s=round(second_seconds, 3),
        build_s=round(built, 1),
    )
