"""Tests through the topology `make cluster` starts (docs/deployment.md#the-cluster): run by
`make test-cluster`, which sources .ci/cluster/cluster.env, so this process talks to the same
PgBouncer, Redis and HAProxy as the portal. Skipped by the normal suite."""

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import factory
import pytest

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "var" / "cluster"

if not os.environ.get("CLUSTER_TESTS"):
    collect_ignore_glob = ["test_*.py"]


def env(name: str) -> str:
    return os.environ[name]


def portal() -> str:
    return f"http://127.0.0.1:{env('CLUSTER_HAPROXY_PORT')}"


def primary_sql(sql: str) -> str:
    """psql on the primary itself (not through the pooler): what the server sees."""
    return subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            env("CLUSTER_PG_PRIMARY_PORT"),
            "-U",
            "postgres",
            "-d",
            "prakerja",
            "-tAc",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def wait_until(predicate, timeout: float = 60.0, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


@pytest.fixture(scope="session", autouse=True)
def _live_database(django_db_blocker) -> Iterator[None]:
    """The cluster's own database, as the portal's processes use it (no test database)."""
    from tests import factories

    # Factory sequences start from a per-run offset: the cluster keeps its data between runs.
    offset = int(time.time()) % 1_000_000 * 10
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.Factory):
            value.reset_sequence(offset, force=True)
    with django_db_blocker.unblock():
        yield
