"""Disbursement at national scale: 1,000,000 due instalments end to end (run -> submitted ->
settled) by two Celery worker processes, against the sandbox provider at zero latency with its
realistic failure rates (2% refused accounts, 1% timeouts after paying, 0.5% 5xx). Checks that
every instalment the provider accepted was paid exactly once and that the ledger balances."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.tasks import payouts_sweep_task
from applicants.incentives.services.entitlements import instalments_make_due
from applicants.models import DisbursementRun, Payout, PayoutPolicy, PayoutStatus, RunStatus
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import Line, account_get_or_create, accounts_ensure_bulk, posting_create
from tests.benchmarks.bench_selection import _execute, _people, _scalar
from tests.celery_worker import ROOT, worker_env
from tests.factories import SchemeFactory, WaveFactory

pytestmark = pytest.mark.django_db(transaction=True)

INSTALMENTS = int(os.environ.get("BENCH_PAYOUT_INSTALMENTS", "1000000"))
WORKER_ENV = {
    "SANDBOX_PAYMENT_LATENCY_MS": "0",
    "SANDBOX_PAYMENT_FAILURE_RATE": "0.02",
    "SANDBOX_PAYMENT_TIMEOUT_RATE": "0.01",
    "SANDBOX_PAYMENT_ERROR_RATE": "0.005",
    "SANDBOX_PAYMENT_CALLBACKS": "false",
    "PAYOUT_RESOLVE_AFTER_S": "0",
    "PAYOUT_STALE_AFTER_S": "600",
}


def _participants(count: int) -> None:
    """Cards with a completed, reviewed first course, an active bank account and one
    Rp600,000 instalment each, written set-based."""
    scheme = SchemeFactory.create()
    wave = WaveFactory.create(number=90, scheme=scheme, national_quota=count)
    first = _people(count, "pay")
    _execute(
        """
        INSERT INTO applicants_card (number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                                     issued_at, purchase_deadline, first_purchase_at)
        SELECT '9' || lpad(a.id::text, 15, '0'), a.id, a.id, %s, %s, -a.id, 'active', now(), now(), now()
        FROM applicants_applicant AS a WHERE a.id >= %s ORDER BY a.id
        """,
        [wave.pk, scheme.pk, first],
    )
    cards = [str(pk) for pk in _card_ids(first)]
    accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_refs=cards)
    _execute(
        """
        INSERT INTO applicants_entitlement (card_id, first_course_id, first_purchase_ref, completed_at, reviewed_at,
                                            scheduled_at, account_id)
        SELECT c.id, 1, 'bench', now(), now(), now(), l.id
        FROM applicants_card AS c
        JOIN ledger_account AS l ON l.kind = 'participant_incentive' AND l.owner_ref = c.id::text
        WHERE c.applicant_id >= %s
        """,
        [first],
    )
    _execute(
        """
        INSERT INTO applicants_payoutaccount (applicant_id, channel, account_number, holder_name, match, status,
                                              created_at, activated_at, review_note)
        SELECT a.id, (ARRAY['bni', 'bri', 'mandiri', 'bca'])[1 + a.id %% 4], (7000000000 + a.id)::text,
               upper(a.full_name), 'exact', 'active', now(), now(), ''
        FROM applicants_applicant AS a WHERE a.id >= %s
        """,
        [first],
    )
    _execute(
        """
        INSERT INTO applicants_instalment (card_id, kind, number, amount, due_on, status, held_reason, created_at)
        SELECT c.id, 'post_training', 1, 600000, %s, 'scheduled', '', now()
        FROM applicants_card AS c WHERE c.applicant_id >= %s ORDER BY c.id
        """,
        [timezone.localdate(), first],
    )


def _card_ids(first_applicant: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM applicants_card WHERE applicant_id >= %s ORDER BY id", [first_applicant])
        return [row[0] for row in cursor.fetchall()]


def _worker(n: int, log_dir: str) -> subprocess.Popen[bytes]:
    log = open(os.path.join(log_dir, f"bench-payout-worker-{n}.log"), "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prakerja", "worker", "-Q", "payouts", "--pool=solo",
         f"--hostname=bench-payouts-{n}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT,
        env=worker_env() | WORKER_ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def _open_payouts() -> int:
    return _scalar("SELECT count(*) FROM applicants_payout WHERE status IN ('created', 'pending', 'unknown')")


def test_one_million_instalments_disbursed(report, regions, settings, tmp_path) -> None:
    for key, value in WORKER_ENV.items():
        setattr(settings, key, value == "true" if value in ("true", "false") else float(value))
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_INCENTIVE)
    posting_create(
        idempotency_key="bench-incentives", kind="budget", lines=[Line(budget.pk, -(10**15)), Line(fund.pk, 10**15)]
    )
    PayoutPolicy.objects.all().delete()  # no second approver: the run goes straight out
    _participants(INSTALMENTS)
    started = time.perf_counter()
    made_due = instalments_make_due()
    due_seconds = time.perf_counter() - started
    assert made_due == INSTALMENTS
    _execute("ANALYZE")
    report(
        "incentives made due", due_seconds, "s", instalments=INSTALMENTS, per_second=round(INSTALMENTS / due_seconds)
    )

    workers = [_worker(n, str(tmp_path)) for n in (0, 1)]
    try:
        time.sleep(6)  # both workers connected and listening
        # When: the run is made and sent; sweeps settle what the provider left unknown
        started = time.perf_counter()
        run = disbursement_run_create()
        assert run is not None
        assert run.status == RunStatus.SUBMITTING
        created_seconds = time.perf_counter() - started
        next_sweep = time.perf_counter() + 5
        while _open_payouts() or DisbursementRun.objects.filter(status=RunStatus.SUBMITTING).exists():
            if time.perf_counter() > next_sweep:
                payouts_sweep_task.apply_async(queue="payouts")
                next_sweep = time.perf_counter() + 5
            time.sleep(0.5)
            assert time.perf_counter() - started < 1800, "the run did not finish in 30 minutes"
        seconds = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        # The refused participants' notices (40,000 messages) would wait in the test broker
        # for a worker that will never come.
        from prakerja.celery import app

        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("default")

    # Then: every payout settled (paid or refused for the account's sake), each paid once
    statuses = dict(Payout.objects.values_list("status").annotate(n=Count("pk")))
    paid = statuses.get(PayoutStatus.SUCCEEDED, 0)
    refused = statuses.get(PayoutStatus.FAILED, 0)
    assert paid + refused == INSTALMENTS
    provider_paid = _scalar("SELECT count(*) FROM payments_sandboxtransfer WHERE status = 'success'")
    duplicates = _scalar(
        "SELECT count(*) FROM (SELECT p.instalment_id FROM payments_sandboxtransfer AS t "
        "JOIN applicants_payout AS p ON 'PKJ' || lpad(p.id::text, 12, '0') = t.reference "
        "WHERE t.status = 'success' GROUP BY p.instalment_id HAVING count(*) > 1) AS d"
    )
    assert provider_paid == paid
    assert duplicates == 0
    assert account_balance(account=LedgerAccount.objects.get(kind=AccountKind.PAYOUTS_IN_FLIGHT)) == 0
    assert ledger_check().ok
    report(
        "disbursement run end to end",
        seconds,
        "s",
        instalments=INSTALMENTS,
        payouts_per_second=round(INSTALMENTS / seconds),
        run_prepared_s=round(created_seconds, 1),
        paid=paid,
        refused=refused,
        workers=2,
        chunk=settings.PAYOUT_CHUNK,
    )
