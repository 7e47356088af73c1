"""The identity verification rollout over a million applicants: 600,000 at the wave step with a
verified phone and 200,000 at the phone step (none) registered before the selfie journey and
never verified, 150,000 already verified, 50,000 before the identity step. The pass asks the
800,000 (800,000 emails, 600,000 SMS written to the outbox), then runs again at once (nothing
to do), then again 15 days later (everyone reminded).

Measured: wall time, this process's CPU (Python: building the reference lists, the batches'
round trips) and the PostgreSQL backend's CPU (read from /proc, same machine) per pass, outbox
rows written. Queueing the send tasks after each batch's commit is counted, not sent: the
broker's LPUSH is not in the figure (4,000 email and 3,000 SMS batch tasks a pass)."""

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from applicants.models import VerificationRequest
from applicants.verification.rollout import verification_rollout_run, verification_rollout_start
from applicants.verification.selectors import rollout_progress
from prakerja.core.actor import Actor
from prakerja.core.queueing import QueuedTask
from prakerja.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 1_000_000
READY = 600_000
AT_PHONE = 200_000
VERIFIED = 150_000
ASKED = READY + AT_PHONE
TICKS = os.sysconf("SC_CLK_TCK")


def _execute(sql: str, params: dict[str, Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _backend_cpu_s() -> float:
    """User + system CPU of this connection's PostgreSQL backend so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _build() -> None:
    _execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, full_name, is_staff, is_active, date_joined)
        SELECT '!', false, 'rollout' || g || '@bench.id', 'Pendaftar ' || g, false, true, now() - interval '400 days'
        FROM generate_series(1, %(rows)s) AS g
        """,
        {"rows": ROWS},
    )
    # In user order: READY at the wave step, AT_PHONE at the phone step (no phone yet), VERIFIED
    # verified at the wave step, the rest before the identity step.
    _execute(
        """
        INSERT INTO applicants_applicant (
            user_id, step, nik_index, nik_masked, kk_index, kk_masked, full_name, gender, nik_region_known,
            flag_birth_date_mismatch, review_status, review_reason, phone, phone_verified_at, address,
            education, marital_status, employment_status, training_interests, ktp_photo, created_at,
            updated_at, identity_verified_at
        )
        SELECT u.id,
               CASE WHEN n <= %(ready)s THEN 'ready' WHEN n <= %(at_phone)s THEN 'contact'
                    WHEN n <= %(verified)s THEN 'ready' ELSE 'identity' END,
               CASE WHEN n <= %(verified)s THEN 'ro-nik-' || u.id END, '3273********0001',
               CASE WHEN n <= %(verified)s THEN 'ro-kk-' || u.id END, '3273********0001',
               u.full_name, 'F', true, false, 'none', '',
               CASE WHEN n <= %(ready)s OR (n > %(at_phone)s AND n <= %(verified)s) THEN '+62812' || u.id ELSE '' END,
               CASE WHEN n <= %(ready)s OR (n > %(at_phone)s AND n <= %(verified)s) THEN now() END,
               '', '', '', '', '{}', '', u.date_joined, u.date_joined,
               CASE WHEN n > %(at_phone)s AND n <= %(verified)s THEN now() END
        FROM (
            SELECT id, full_name, date_joined, row_number() OVER (ORDER BY id) AS n
            FROM accounts_user WHERE email LIKE 'rollout%%@bench.id'
        ) AS u
        """,
        {"ready": READY, "at_phone": READY + AT_PHONE, "verified": READY + AT_PHONE + VERIFIED},
    )
    _execute("ANALYZE accounts_user; ANALYZE applicants_applicant")


def _timed(run: Callable[[], Any]) -> tuple[Any, float, float, float, int]:
    queued: list[str] = []
    with mock.patch.object(QueuedTask, "__call__", lambda task: queued.append(task.name)):
        backend, cpu, started = _backend_cpu_s(), time.process_time(), time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
        client_cpu, backend_cpu = time.process_time() - cpu, _backend_cpu_s() - backend
    return result, seconds, client_cpu, backend_cpu, len(queued)


def _pass(now: dt.datetime) -> Any:
    started = verification_rollout_start(actor=Actor.system("bench"), trigger="bench", queue=False)
    return verification_rollout_run(rollout_id=started.pk, now=now)


def test_identity_rollout_over_a_million_applicants(report, settings) -> None:
    settings.IDENTITY_ROLLOUT_REMIND_AFTER_DAYS = 14
    started = time.perf_counter()
    _build()
    built = time.perf_counter() - started
    today = timezone.now()

    first, seconds, client_cpu, backend_cpu, tasks = _timed(lambda: _pass(today))
    outbox = OutboxMessage.objects.count()
    again, again_s, again_cpu, again_backend, again_tasks = _timed(lambda: _pass(today))
    later, later_s, later_cpu, later_backend, later_tasks = _timed(lambda: _pass(today + dt.timedelta(days=15)))

    started = time.perf_counter()
    progress = rollout_progress(fresh=True)
    progress_s = time.perf_counter() - started

    assert (progress.requested, progress.not_yet) == (ASKED, ASKED)
    assert (first.requested, first.emails, first.sms) == (ASKED, ASKED, READY)
    assert outbox == ASKED + READY
    assert (again.requested, again.reminded, again_tasks) == (0, 0, 0)
    assert later.reminded == ASKED
    assert VerificationRequest.objects.filter(notices=2).count() == ASKED
    report(
        "identity_rollout_first_pass",
        seconds,
        "s",
        applicants=ROWS,
        asked=first.requested,
        outbox_rows=outbox,
        batches=first.batches,
        batch_size=settings.IDENTITY_ROLLOUT_BATCH,
        send_tasks_queued=tasks,
        client_cpu_ms=round(client_cpu * 1000),
        postgres_cpu_ms=round(backend_cpu * 1000),
        build_s=round(built, 1),
    )
    report(
        "identity_rollout_second_pass_nothing_due",
        again_s,
        "s",
        client_cpu_ms=round(again_cpu * 1000),
        postgres_cpu_ms=round(again_backend * 1000),
    )
    report(
        "identity_rollout_reminder_pass",
        later_s,
        "s",
        reminded=later.reminded,
        send_tasks_queued=later_tasks,
        client_cpu_ms=round(later_cpu * 1000),
        postgres_cpu_ms=round(later_backend * 1000),
    )
    report("identity_rollout_progress_counts", progress_s, "s", requests=progress.requested)
