"""What the benchmarks of the servers share: the CPU time every server process spent (read from
/proc before, during and after a run) and a load generator that runs in a pool of processes of
its own, so that its Python does not share a GIL with anything it measures.

CPU per operation = (user + system time of the gunicorn master and workers, the Celery worker
and its children, every PostgreSQL backend connected to the test database, and the Redis
server) over the run / operations. Processes that start during the run count from zero;
one that ends during it counts up to its last sample (every SAMPLE_S). PostgreSQL's shared
background processes (WAL writer, checkpointer) are not counted: they serve every database
on the machine."""

import http.client
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import redis
from django.conf import settings
from django.db import connection, connections

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.25


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


CLIENT_APPLICATION = "bench-client"  # the load generator's own connections (not the server's)
METER_APPLICATION = "bench-meter"


class PostgresBackends:
    """The backends connected to the test database for the server (not the load generator's
    nor this meter's own), from pg_stat_activity."""

    def __init__(self) -> None:
        db = connection.settings_dict
        self.database = str(db["NAME"])
        self.conn = psycopg2.connect(
            dbname=self.database,
            user=db["USER"],
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            password=db["PASSWORD"] or None,
            application_name=METER_APPLICATION,
        )
        self.conn.autocommit = True

    def pids(self) -> list[int]:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name NOT IN (%s, %s)",
                [self.database, CLIENT_APPLICATION, METER_APPLICATION],
            )
            return [row[0] for row in cursor.fetchall()]

    def close(self) -> None:
        self.conn.close()


def redis_pid() -> int | None:
    location = settings.CACHES["default"]["LOCATION"]
    try:
        info: dict[str, Any] = redis.Redis.from_url(location).info("server")  # type: ignore[assignment]
        return int(info["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None


@dataclass
class CpuMeter:
    """Samples the CPU time of the server's processes while a run goes on."""

    roots: dict[str, int]  # name → pid whose whole process tree counts (gunicorn master, Celery)
    first: dict[tuple[str, int], float] = field(default_factory=dict)
    last: dict[tuple[str, int], float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _backends: PostgresBackends = field(init=False)
    _redis: int | None = field(init=False, default=None)

    def _pids(self) -> Iterator[tuple[str, int]]:
        for name, root in self.roots.items():
            for pid in _tree(root):
                yield name, pid
        for pid in self._backends.pids():
            yield "postgres", pid
        if self._redis is not None:
            yield "redis", self._redis

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the server's processes are idle: gunicorn answers once one worker is up,
        and the others' start (importing the project, about a second of CPU each) is not part
        of any operation."""
        deadline = time.monotonic() + timeout
        previous = None
        while time.monotonic() < deadline:
            now = sum(cpu_seconds(pid) or 0.0 for root in self.roots.values() for pid in _tree(root))
            if previous is not None and now - previous < 0.02:
                return
            previous = now
            time.sleep(0.5)

    def sample(self, *, initial: bool = False) -> None:
        for key in self._pids():
            seconds = cpu_seconds(key[1])
            if seconds is None:
                continue
            if key not in self.first:
                self.first[key] = seconds if initial else 0.0
            self.last[key] = seconds

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.sample()

    @contextmanager
    def measuring(self) -> Iterator["CpuMeter"]:
        self.first.clear()
        self.last.clear()
        self._stop.clear()
        self._backends = PostgresBackends()
        self._redis = redis_pid()
        self.sample(initial=True)
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.sample()
            self._backends.close()

    def by_name(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for key, seconds in self.last.items():
            totals[key[0]] = totals.get(key[0], 0.0) + seconds - self.first.get(key, 0.0)
        return totals

    def total(self) -> float:
        return sum(self.by_name().values())

    def per_operation_ms(self, operations: int) -> dict[str, float]:
        """CPU ms per operation, in total and per kind of process."""
        parts = {f"cpu_ms_{name}": round(seconds / operations * 1000, 2) for name, seconds in self.by_name().items()}
        return {"cpu_ms_per_op": round(self.total() / operations * 1000, 2), **parts}


# --- the load generator --------------------------------------------------------------------


@dataclass
class Result:
    """One operation's outcome in a client process: its name, seconds, and anything else."""

    name: str
    seconds: float
    extra: dict[str, float] = field(default_factory=dict)


FAILED = "failed"
Job = Callable[[int, Any], list[Result]]  # (operation number, per-thread state) → results


@dataclass
class RunOutcome:
    results: list[Result]
    wall: float
    client_cpu_s: float  # CPU the client processes spent (not part of the server's figure)

    def latencies(self, name: str) -> list[float]:
        return [r.seconds for r in self.results if r.name == name]

    @property
    def failed(self) -> int:
        """Operations whose job raised (a refused call, an SMS that never came): before, the
        client thread died and its share of the run was silently missing from the figures."""
        return sum(1 for r in self.results if r.name == FAILED)


# What the forked client processes run: set before the fork (closures cannot be pickled).
_plan: dict[str, Any] = {}


def _client_process(index: int, start_at: float) -> tuple[list[Result], float]:
    job: Job = _plan["job"]
    setup: Callable[[int], Any] = _plan["setup"]
    threads: int = _plan["threads"]
    operations: list[int] = _plan["shares"][index]
    connections.close_all()  # inherited sockets belong to the parent
    for alias in settings.DATABASES:
        settings.DATABASES[alias].setdefault("OPTIONS", {})["application_name"] = CLIENT_APPLICATION
    lock = threading.Lock()
    pending = iter(operations)
    results: list[Result] = []

    def thread_main(slot: int) -> None:
        state = setup(slot)
        while True:
            with lock:
                n = next(pending, None)
            if n is None:
                break
            try:
                done = job(n, state)
            except Exception as error:  # noqa: BLE001 - counted and reported, never a silent dead thread
                done = [Result(FAILED, 0.0, {"error": hash(type(error).__name__)})]
            with lock:
                results.extend(done)
        connection.close()

    time.sleep(max(0.0, start_at - time.time()))
    began = time.process_time()
    workers = [threading.Thread(target=thread_main, args=(index * threads + t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, time.process_time() - began


def run_load(
    job: Job,
    *,
    operations: int,
    clients: int,
    processes: int = 2,
    setup: Callable[[int], Any] = lambda slot: None,
    meter: CpuMeter | None = None,
    profile: str = "",
) -> RunOutcome:
    """`operations` calls of `job` by `clients` concurrent clients: threads spread over
    `processes` forked processes (the benchmark process only waits). `setup(slot)` makes each
    client thread's state; slots are unique across processes. `profile` names the py-spy
    profile of the gunicorn workers taken with BENCH_PROFILE."""
    connections.close_all()
    if meter:
        meter.settle()
    threads = max(1, clients // processes)
    shares = [list(range(p, operations, processes)) for p in range(processes)]
    _plan.update(job=job, setup=setup, threads=threads, shares=shares)
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        start_at = time.time() + 0.5  # every process ready before the clock starts
        pending = [pool.apply_async(_client_process, (index, start_at)) for index in range(processes)]
        time.sleep(max(0.0, start_at - time.time()))
        server = meter.roots.get("gunicorn") if meter else None
        with (
            profiled(profile, server) if profile and server else _nothing(),
            meter.measuring() if meter else _nothing(),
        ):
            started = time.perf_counter()
            outcomes = [p.get(timeout=3600) for p in pending]
            wall = time.perf_counter() - started
    results = [r for outcome in outcomes for r in outcome[0]]
    return RunOutcome(results=results, wall=wall, client_cpu_s=sum(outcome[1] for outcome in outcomes))


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


@contextmanager
def profiled(name: str, pid: int) -> Iterator[None]:
    """With BENCH_PROFILE=<folder>: py-spy samples the process tree of `pid` (the gunicorn
    master and its workers) while the block runs, into <folder>/<name>.txt (collapsed stacks,
    one line per stack with its sample count)."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--gil",  # only the thread holding the GIL: where the Python CPU goes, not the waits
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(Path(folder) / f"{name}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)  # py-spy attaches
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


class Http:
    """A small keep-alive HTTP/1.1 client (http.client: far less CPU per request than requests)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close" or response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, data, response
        raise AssertionError("unreachable")


def percentile(values: Iterable[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"
