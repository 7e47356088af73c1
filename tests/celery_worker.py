"""Run a real Celery worker process against the test database and the test broker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    queue: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "prakerja.settings.test"
    # The worker must write to this test session's database, not the development one.
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return env


def purge_queue(queue: str) -> None:
    """Empty one of the test broker's queues."""
    from prakerja.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


@contextmanager
def celery_worker(
    tmp_path: Path,
    *,
    concurrency: int = 1,
    queue: str | None = None,
    env: dict[str, str] | None = None,
    purge: bool = True,
) -> Iterator[WorkerProcess]:
    """A worker of `queue` (a fresh one by default). The shared queues are emptied first unless
    `purge=False` (the test queued its own message before the worker starts)."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    if purge and queue in ("default", "identity"):
        # The test broker's shared queues collect what other tests and benchmarks queued and
        # never ran (their databases are gone); a worker would work through all of it first.
        purge_queue(queue)
    log_path = tmp_path / f"worker-{queue}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "prakerja",
                "worker",
                "-Q",
                queue,
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                f"--hostname={queue}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env={**worker_env(), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(process=process, queue=queue, log_path=log_path)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{worker.log()}")
            time.sleep(0.2)
        yield worker
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
