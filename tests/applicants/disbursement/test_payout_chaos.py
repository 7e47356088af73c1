"""Chaos: a run of 20,000 instalments sent by real worker processes that are killed with
SIGKILL several times mid-run and restarted, against a provider that times out (after paying)
and fails with 5xx. At the end every instalment is paid exactly once at the provider, no payout
is stuck, and the ledger balances."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db.models import Sum

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.tasks import payouts_sweep_task
from applicants.models import (
    DisbursementRun,
    Instalment,
    Payout,
    PayoutAccount,
    PayoutPolicy,
    PayoutStatus,
    RunStatus,
)
from prakerja.celery import app
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.payments.models import SandboxTransfer, SandboxTransferStatus
from tests.applicants.incentive_setups import fund_incentives, good_number, participants, with_due_instalments
from tests.celery_worker import ROOT, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.xdist_group("worker")]

INSTALMENTS = int(os.environ.get("CHAOS_INSTALMENTS", "20000"))
CHAOS = {
    "SANDBOX_PAYMENT_LATENCY_MS": "15",
    "SANDBOX_PAYMENT_TIMEOUT_RATE": "0.03",
    "SANDBOX_PAYMENT_ERROR_RATE": "0.01",
    "SANDBOX_PAYMENT_FAILURE_RATE": "0.02",
    "PAYOUT_CHUNK": "500",
    "PAYOUT_STALE_AFTER_S": "2",
    "PAYOUT_RESOLVE_AFTER_S": "0",
}


def start_worker(tmp_path: Path, n: int) -> subprocess.Popen[bytes]:
    log = (tmp_path / f"payout-worker-{n}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prakerja", "worker", "-Q", "payouts", "--pool=solo",
         f"--hostname=payouts-{n}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT,
        env=worker_env() | CHAOS,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    """Wait, playing beat meanwhile: a sweep every second re-queues chunks whose messages died
    with a killed worker and settles unknown payouts."""
    deadline = time.monotonic() + timeout
    next_sweep = 0.0
    while time.monotonic() < deadline:
        if predicate():
            return True
        if time.monotonic() >= next_sweep:
            payouts_sweep_task.apply_async(queue="payouts")
            next_sweep = time.monotonic() + 1.0
        time.sleep(0.05)
    return False


def ready(tmp_path: Path, n: int) -> bool:
    return "ready." in (tmp_path / f"payout-worker-{n}.log").read_text(errors="replace")


def settled() -> int:
    return Payout.objects.filter(status__in=[PayoutStatus.SUCCEEDED, PayoutStatus.FAILED]).count()


def unsettled() -> int:
    return Payout.objects.exclude(
        status__in=[PayoutStatus.SUCCEEDED, PayoutStatus.FAILED, PayoutStatus.REVERSED, PayoutStatus.CANCELLED]
    ).count()


def finished() -> bool:
    return unsettled() == 0 and not DisbursementRun.objects.filter(status=RunStatus.SUBMITTING).exists()


def test_killed_workers_and_a_flaky_provider_still_pay_every_instalment_exactly_once(settings, tmp_path, training_fund):
    for key, value in CHAOS.items():
        setattr(settings, key, int(value) if "." not in value else float(value))
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("payouts")
    fund_incentives()
    PayoutPolicy.objects.all().delete()  # no second approver: the run goes straight out
    # given 20,000 participants with an instalment due
    instalments = with_due_instalments(participants(INSTALMENTS, tag="chaos"))
    workers = [start_worker(tmp_path, 0), start_worker(tmp_path, 1)]
    try:
        # when a run is sent and both workers are killed three times mid-run, then restarted
        run = disbursement_run_create()
        assert run is not None
        assert run.payout_count == INSTALMENTS
        assert run.status == RunStatus.SUBMITTING
        for round_ in range(3):
            target = (round_ + 1) * INSTALMENTS // 5
            reached = wait_for(lambda t=target: settled() >= t, timeout=180)  # type: ignore[misc]
            assert reached, f"no progress in round {round_}"
            for n, worker in enumerate(workers):
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                workers[n] = start_worker(tmp_path, n)
        assert wait_for(finished, timeout=240), f"{unsettled()} payouts still open"

        # and the participants whose accounts were refused link good ones; the next run pays them
        failed = Payout.objects.filter(status=PayoutStatus.FAILED)
        refused = failed.count()
        assert 0 < refused < INSTALMENTS * 0.05
        for payout in failed.select_related("instalment__card"):
            PayoutAccount.objects.filter(applicant_id=payout.instalment.card.applicant_id).update(
                channel="bni", account_number=good_number(payout.pk)
            )
        Instalment.objects.exclude(held_reason="").update(held_reason="")
        retry = disbursement_run_create()
        assert retry is not None
        assert retry.payout_count == refused
        assert wait_for(finished, timeout=120), f"{unsettled()} payouts still open after the retry"
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)

    # then every instalment was paid exactly once at the provider
    instalment_of = dict(Payout.objects.values_list("pk", "instalment_id"))
    paid: Counter[int] = Counter()
    for reference, amount in SandboxTransfer.objects.filter(status=SandboxTransferStatus.SUCCESS).values_list(
        "reference", "amount"
    ):
        paid[instalment_of[int(reference[3:])]] += amount
    assert paid == {i.pk: 600_000 for i in instalments}
    # and our books agree: every payout settled, nothing in flight, the ledger balanced
    assert Payout.objects.filter(status=PayoutStatus.SUCCEEDED).count() == INSTALMENTS
    assert unsettled() == 0
    assert account_balance(account=LedgerAccount.objects.get(kind=AccountKind.PAYOUTS_IN_FLIGHT)) == 0
    participant_payables = LedgerAccount.objects.filter(kind=AccountKind.PARTICIPANT_INCENTIVE)
    assert participant_payables.aggregate(total=Sum("balance"))["total"] == 0
    assert ledger_check().ok
