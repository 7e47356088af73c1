"""Start the real gunicorn server (as `make run` does) for tests and benchmarks."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "prakerja" / "gunicorn_conf.py"
# The master's pid of each running server by its base URL (benchmarks read its CPU time).
MASTER_PIDS: dict[str, int] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


STARTUP_SECONDS = 120


@contextmanager
def gunicorn(
    app: str = "prakerja.wsgi:application",
    *,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    workers: int = 2,
    ready_path: str = "/healthz",
) -> Iterator[str]:
    port = free_port()
    process_env = {**os.environ, **(env or {}), "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    process_env.setdefault("WEB_ACCESS_LOG", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *extra_args, app],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Workers take seconds each to start on a machine loaded by other work.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(base + ready_path, timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    # Stopped first: reading the error output of a live server never ends.
                    process.terminate()
                    _out, stderr = process.communicate(timeout=15)
                    raise RuntimeError(f"gunicorn did not start: {(stderr or b'').decode()}") from None
                time.sleep(0.2)
        MASTER_PIDS[base] = process.pid
        yield base
    finally:
        MASTER_PIDS.pop(base, None)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def database_env() -> dict[str, str]:
    """The environment that points a server or worker started by a test at the test's own
    database (pytest-django's, e.g. test_prakerja_gw0) with the test settings."""
    from django.db import connection

    db = connection.settings_dict
    return {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
