"""The disbursement benchmark (tests/benchmarks/bench_payouts.py) through the cluster, and the
same size single-process beside it, in one invocation on one machine (`make bench-cluster`).

Each phase builds its own BENCH_PAYOUTS participants set-based (as bench_payouts.py does), makes
their instalments due, and times one disbursement run from its creation to every payout settled,
with bench_payouts.py's provider conditions (zero latency; 2% refused accounts, 1% timeouts
after paying, 0.5% 5xx; no callbacks; a sweep every 5 s), PAYOUT_CHUNK 2,000 and one payouts
worker process (prefork, concurrency 1) either way:

- direct: this process and a worker it starts connect straight to the primary (5433, no
  PgBouncer, no replica alias, persistent connections: the single-process set-up);
- cluster: this process through PgBouncer (transaction pooling), the sending by the cluster's own
  payouts worker (.ci/cluster/up.sh's command, pidfile and log; restarted with the provider
  conditions above, and restarted as the cluster runs it at the end).

Both use the cluster's broker; the cluster's payouts worker is stopped during the direct phase
so that it takes none of that run's chunks. CPU per payout is read from /proc (utime + stime of
each process tree, reaped children included). Prints one JSON line per figure."""

import json
import os
import resource
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Count

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.tasks import payouts_sweep_task
from applicants.incentives.services.entitlements import instalments_make_due
from applicants.models import DisbursementRun, Payout, PayoutChunk, PayoutPolicy, PayoutStatus, RunStatus
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import Line, account_get_or_create, accounts_ensure_bulk, posting_create
from tests.benchmarks.bench_payouts import WORKER_ENV as BENCH_WORKER_ENV
from tests.benchmarks.bench_payouts import _card_ids
from tests.benchmarks.bench_selection import _execute, _people, _scalar
from tests.benchmarks.conftest import machine
from tests.cluster.conftest import ROOT, STATE, env
from tests.factories import CourseFactory, SchemeFactory, WaveFactory

PAYOUTS = int(os.environ.get("BENCH_PAYOUTS", "100000"))
# Which set-up goes first (the second runs on a database one phase larger).
ORDER = os.environ.get("BENCH_PAYOUTS_ORDER", "direct,cluster").split(",")
RUN = uuid.uuid4().hex[:6]
CELERY = str(ROOT / ".venv/bin/celery")
# bench_payouts.py's provider, and what the production settings turn on that the test settings
# it runs under leave off (duplicate callbacks, reversals).
WORKER_ENV = BENCH_WORKER_ENV | {
    "SANDBOX_PAYMENT_DUPLICATE_RATE": "0",
    "SANDBOX_PAYMENT_REVERSAL_RATE": "0",
    "PAYOUT_CHUNK": "2000",
}
PIDFILE = STATE / "run/worker-payouts.pid"
LOGFILE = STATE / "log/worker-payouts.log"
OPEN = [PayoutStatus.CREATED, PayoutStatus.PENDING, PayoutStatus.UNKNOWN]


# --- CPU from /proc ------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, its utime + stime + cutime + cstime in ticks)."""
    found: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        found[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return found


def tree_cpu_s(root: int, processes: dict[int, tuple[int, int]] | None = None) -> float:
    """CPU seconds of a process and every descendant, living or reaped. A child that exits
    between two samples moves into its parent's cutime/cstime, so differences stay right."""
    processes = processes or _processes()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += processes.get(pid, (0, 0))[1]
        todo.extend(child for child, (parent, _t) in processes.items() if parent == pid)
    return total / TICK


def machine_busy_s() -> tuple[float, float]:
    """The whole machine's busy CPU seconds (interrupts included), and the hypervisor's steal."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def _pid(path: Path) -> int:
    return int(path.read_text().split()[0])


def primary_pid() -> int:
    return _pid(STATE / "pg/pg-primary/postmaster.pid")


def replica_pid() -> int:
    return _pid(STATE / "pg/pg-replica/postmaster.pid")


def pgbouncer_pid() -> int:
    return _pid(STATE / "pg/run/pgbouncer.pid")


def walsenders(processes: dict[int, tuple[int, int]]) -> list[int]:
    primary, found = primary_pid(), []
    for child, (parent, _t) in processes.items():
        try:
            if parent == primary and b"walsender" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Sample:
    worker: float
    primary: float
    walsender: float
    pgbouncer: float
    bench: float
    machine: float
    steal: float

    @classmethod
    def take(cls, worker_pid: int) -> "Sample":
        processes = _processes()
        return cls(
            worker=tree_cpu_s(worker_pid, processes),
            primary=tree_cpu_s(primary_pid(), processes),
            walsender=sum(processes.get(pid, (0, 0))[1] for pid in walsenders(processes)) / TICK,
            pgbouncer=tree_cpu_s(pgbouncer_pid(), processes),
            bench=own_cpu_s(),
            machine=machine_busy_s()[0],
            steal=machine_busy_s()[1],
        )


# --- the cluster's processes ------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"


def _wait_ready(log: Path, offset: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and " ready." in log.read_bytes()[offset:].decode(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"no payouts worker ready (see {log})")


def cluster_worker_stop() -> None:
    if not PIDFILE.exists():
        return
    pid = _pid(PIDFILE)
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)  # warm shutdown: the task in hand is finished first
        deadline = time.monotonic() + 90
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid), "the cluster's payouts worker did not stop"
    PIDFILE.unlink(missing_ok=True)


def cluster_worker_start(overrides: dict[str, str]) -> int:
    """The cluster's payouts worker, as .ci/cluster/up.sh starts it."""
    offset = LOGFILE.stat().st_size if LOGFILE.exists() else 0
    subprocess.run(
        [CELERY, "-A", "prakerja", "worker", "-Q", "payouts", "-n", "payouts@%h", "--concurrency=1", "--detach",
         f"--pidfile={PIDFILE}", f"--logfile={LOGFILE}", "--loglevel=INFO"],
        cwd=ROOT, env=os.environ | overrides, check=True,
    )  # fmt: skip
    _wait_ready(LOGFILE, offset)
    return _pid(PIDFILE)


def direct_worker_start(log: Path) -> subprocess.Popen[bytes]:
    """The same worker, straight on the primary: the single-process set-up."""
    overrides = WORKER_ENV | {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{env('CLUSTER_PG_PRIMARY_PORT')}/prakerja",
        "DATABASE_TRANSACTION_POOLING": "false",
        "DATABASE_CONN_MAX_AGE": "60",
        "DATABASE_REPLICA_URL": "",
    }
    process = subprocess.Popen(
        [CELERY, "-A", "prakerja", "worker", "-Q", "payouts", "-n", "bench-direct@%h", "--concurrency=1",
         f"--logfile={log}", "--loglevel=INFO"],
        cwd=ROOT, env=os.environ | overrides, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    _wait_ready(log, 0)
    return process


def use_database(*, direct: bool, settings: Any) -> str:
    """Point this process's connection at the primary itself, or at PgBouncer."""
    connection.close()
    port = env("CLUSTER_PG_PRIMARY_PORT") if direct else env("CLUSTER_PGBOUNCER_PORT")
    connection.settings_dict["PORT"] = int(port)
    settings.DATABASE_TRANSACTION_POOLING = not direct
    return f"127.0.0.1:{port}"


# --- data ------------------------------------------------------------------------------------
def participants(count: int, tag: str) -> None:
    """bench_payouts.py's participants: cards with a completed, reviewed first course, an
    active bank account and one Rp600,000 instalment each, written set-based."""
    wave = WaveFactory.create(scheme=SchemeFactory.create(), national_quota=count)
    course = CourseFactory.create()
    first = _people(count, tag)
    # Decision and training account ids negative: no clash with the cluster's real cards.
    _execute(
        """
        INSERT INTO applicants_card (number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                                     issued_at, purchase_deadline, first_purchase_at)
        SELECT '8' || lpad(a.id::text, 15, '0'), a.id, -a.id, %s, %s, -a.id, 'active', now(), now(), now()
        FROM applicants_applicant AS a WHERE a.id >= %s ORDER BY a.id
        """,
        [wave.pk, wave.scheme_id, first],
    )
    cards = [str(pk) for pk in _card_ids(first)]
    accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_refs=cards)
    _execute(
        """
        INSERT INTO applicants_entitlement (card_id, first_course_id, first_purchase_ref, completed_at, reviewed_at,
                                            scheduled_at, account_id)
        SELECT c.id, %s, 'bench', now(), now(), now(), l.id
        FROM applicants_card AS c
        JOIN ledger_account AS l ON l.kind = 'participant_incentive' AND l.owner_ref = c.id::text
        WHERE c.applicant_id >= %s
        """,
        [course.pk, first],
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
        SELECT c.id, 'post_training', 1, 600000, current_date, 'scheduled', '', now()
        FROM applicants_card AS c WHERE c.applicant_id >= %s ORDER BY c.id
        """,
        [first],
    )


def replica_lag_bytes() -> int:
    return _scalar(
        "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint FROM pg_stat_replication"
    )


def replica_caught_up(timeout: float = 300) -> float:
    """Seconds until the replica has replayed all but the last 64 KiB (the cluster's own
    processes keep writing a little)."""
    started = time.perf_counter()
    while replica_lag_bytes() > 65536:
        assert time.perf_counter() - started < timeout, "the replica did not catch up"
        time.sleep(0.1)
    return time.perf_counter() - started


# --- one phase -------------------------------------------------------------------------------
def disburse(*, through: str, worker_pid: int) -> dict[str, Any]:
    """Time one run from its creation to every payout settled; CPU per process group."""
    replica_caught_up()
    before, replica_before = Sample.take(worker_pid), tree_cpu_s(replica_pid())
    started = time.perf_counter()
    run = disbursement_run_create()
    assert run is not None
    assert run.status == RunStatus.SUBMITTING
    prepared = time.perf_counter() - started
    payouts = Payout.objects.filter(run=run)
    sending = PayoutChunk.objects.filter(run=run, finished_at=None)
    next_sweep = time.perf_counter() + 5
    # The run's row first: scanning its payouts for open ones at every poll would cost the
    # primary more, the longer the run.
    while (
        DisbursementRun.objects.filter(pk=run.pk, status=RunStatus.SUBMITTING).exists()
        or payouts.filter(status__in=OPEN).exists()
    ):
        # A sweep every 5 s while chunks are sent (as bench_payouts.py), every second once all
        # are: the last sweep's wait would otherwise be a large part of a short run.
        if time.perf_counter() > next_sweep:
            payouts_sweep_task.apply_async(queue="payouts")
            next_sweep = time.perf_counter() + (5 if sending.exists() else 1)
        time.sleep(0.25)
        assert time.perf_counter() - started < 1800, "the run did not finish in 30 minutes"
    seconds = time.perf_counter() - started
    after = Sample.take(worker_pid)
    lag = replica_lag_bytes()
    catch_up = replica_caught_up()
    replica = tree_cpu_s(replica_pid()) - replica_before

    statuses = dict(payouts.values_list("status").annotate(n=Count("pk")))
    paid, refused = statuses.get(PayoutStatus.SUCCEEDED, 0), statuses.get(PayoutStatus.FAILED, 0)
    count = run.payout_count
    assert paid + refused == count, statuses
    # the provider paid each of them, and none twice
    transfers = """
        SELECT p.instalment_id FROM payments_sandboxtransfer AS t
        JOIN applicants_payout AS p ON 'PKJ' || lpad(p.id::text, 12, '0') = t.reference
        WHERE p.run_id = %s AND t.status = 'success'
    """
    assert _scalar(f"SELECT count(*) FROM ({transfers}) AS t", [run.pk]) == paid  # noqa: S608
    twice = f"SELECT count(*) FROM ({transfers}) AS t GROUP BY instalment_id HAVING count(*) > 1"  # noqa: S608
    assert _scalar(f"SELECT count(*) FROM ({twice}) AS d", [run.pk]) == 0  # noqa: S608

    def ms(cpu: float) -> float:
        return round(cpu * 1000 / count, 3)

    return {
        "value": round(count / seconds),
        "unit": "payouts/s",
        "seconds": round(seconds, 1),
        "payouts": count,
        "paid": paid,
        "refused": refused,
        "paid_per_second": round(paid / seconds),
        "run_prepared_s": round(prepared, 1),
        "through": through,
        "cpu_ms_per_payout": {
            "payouts_worker": ms(after.worker - before.worker),
            "postgres_primary": ms(after.primary - before.primary),
            "of_which_walsender": ms(after.walsender - before.walsender),
            "pgbouncer": ms(after.pgbouncer - before.pgbouncer),
            "preparing_process": ms(after.bench - before.bench),
            "postgres_replica": ms(replica),
            "whole_machine": ms(after.machine - before.machine),
            "stolen_by_the_hypervisor": ms(after.steal - before.steal),
        },
        "replica_lag_at_end_bytes": lag,
        "replica_caught_up_after_s": round(catch_up, 1),
        "workers": "1 (prefork, concurrency 1)",
        "chunk": 2000,
    }


def emit(name: str, figures: dict[str, Any]) -> None:
    print(json.dumps({"benchmark": name, **figures, "machine": machine()}), flush=True)


def test_disbursement_through_the_cluster_and_single_process(settings, tmp_path):
    for key, value in WORKER_ENV.items():
        setattr(settings, key, value == "true" if value in ("true", "false") else float(value))
    settings.PAYOUT_CHUNK = 2000
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_INCENTIVE)
    posting_create(
        idempotency_key=f"bench-disbursement-{RUN}",
        kind="budget.allocate",
        lines=[Line(budget.pk, -(10**13)), Line(fund.pk, 10**13)],
    )
    policies = list(PayoutPolicy.objects.all())
    PayoutPolicy.objects.all().delete()  # no second approver: the run goes straight out
    pgbouncer = connection.settings_dict["PORT"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for n, phase in enumerate(ORDER):
            # given the cluster's payouts worker stopped, and BENCH_PAYOUTS new instalments due
            cluster_worker_stop()
            through = use_database(direct=phase == "direct", settings=settings)
            participants(PAYOUTS, f"bd{RUN}{n}")
            assert instalments_make_due() >= PAYOUTS
            _execute("VACUUM (ANALYZE)")  # the phase before leaves no autovacuum to this one
            _execute("CHECKPOINT")
            if phase == "direct":
                # when they are disbursed single-process: straight on the primary, our own worker
                workers.append(direct_worker_start(tmp_path / f"direct-payouts-worker-{n}.log"))
                figures = disburse(through=f"{through} (primary, direct)", worker_pid=workers[-1].pid)
                workers[-1].send_signal(signal.SIGTERM)
                workers[-1].wait(timeout=90)
                workers.pop()
                emit("disbursement.single_process.payouts_per_second", figures)
            else:
                # when they are disbursed through the cluster: PgBouncer, the cluster's own worker
                worker = cluster_worker_start(WORKER_ENV)
                figures = disburse(through=f"{through} (PgBouncer, transaction pooling)", worker_pid=worker)
                emit("cluster.disbursement.payouts_per_second", figures)
    finally:
        for process in workers:
            process.kill()
            process.wait()
        connection.close()
        connection.settings_dict["PORT"] = pgbouncer
        PayoutPolicy.objects.bulk_create(policies)
        cluster_worker_stop()
        cluster_worker_start({})  # as the cluster runs it
    # then nothing is left in flight and the ledger balances
    assert account_balance(account=LedgerAccount.objects.get(kind=AccountKind.PAYOUTS_IN_FLIGHT)) == 0
    assert ledger_check().ok
