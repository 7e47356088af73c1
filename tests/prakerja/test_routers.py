"""Reads that tolerate lag go to the replica when one is configured and reachable, and fall
back to the primary when it is not; nothing that writes, or reads before writing, goes there.
The replica here is a second connection to the test database (in tests/cluster, a real
streaming standby)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from prakerja.accounts.models import User
from prakerja.core import routers
from prakerja.core.routers import REPLICA, replica_alias, replica_reads
from tests.factories import CourseFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent


def _configure(port: int | None = None) -> Iterator[None]:
    config = dict(connections.settings["default"])
    if port is not None:
        config["PORT"] = port
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": 1}
    settings.DATABASES[REPLICA] = config
    # Built here, under a name of its own: Django's test guard refuses connections to aliases
    # the test did not declare, and declaring it would wrap it in the test's transaction.
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, "replica-under-test")
    local = connections._connections  # type: ignore[attr-defined]
    setattr(local, REPLICA, wrapper)
    setattr(local, wrapper.alias, wrapper)
    routers._state.update(down_until=0.0, checked_at=-routers.HEALTHY_FOR_S)
    try:
        yield
    finally:
        connections[REPLICA].close()
        del settings.DATABASES[REPLICA]
        for alias in (REPLICA, wrapper.alias):
            if hasattr(local, alias):
                delattr(local, alias)
        routers._state.update(down_until=0.0, checked_at=-routers.HEALTHY_FOR_S)


# After the database fixtures, so that pytest-django's guard (set up per test for the aliases
# that exist then) does not cover this one.
@pytest.fixture
def replica(transactional_db: None) -> Iterator[None]:
    yield from _configure()


@pytest.fixture
def replica_down(db: None) -> Iterator[None]:
    yield from _configure(port=1)


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary():
    assert replica_alias() == "default"
    with replica_reads() as alias:
        assert alias == "default"
        assert User.objects.all().db == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_replica_reads_go_to_the_replica_and_writes_never(replica):
    # given a replica
    UserFactory.create(email="ada@contoh.id")
    with replica_reads() as alias:
        # then reads go there, and see what the primary committed
        assert alias == REPLICA
        assert User.objects.all().db == REPLICA
        assert User.objects.filter(email="ada@contoh.id").exists()
        # and a write in the block goes to the primary
        written = UserFactory.create(email="budi@contoh.id")
        assert written._state.db == "default"
    # outside the block everything is the primary's
    assert User.objects.all().db == "default"


@pytest.mark.django_db(transaction=True)
def test_the_public_catalogue_reads_the_replica(client, replica, regions):
    # given a course on sale
    course = CourseFactory.create()
    # when the catalogue and the course's page are opened
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        listed = client.get("/pelatihan/")
        detail = client.get(f"/pelatihan/{course.code}/")
    # then both are served, from the replica
    assert listed.status_code == 200
    assert detail.status_code in (200, 404)  # a course not on sale is not shown either way
    assert len(on_replica) > 0


@pytest.mark.django_db
def test_a_replica_that_is_down_falls_back_to_the_primary(replica_down, client, caplog):
    # given a replica nobody answers for
    # when a page that reads from it is opened
    response = client.get("/pelatihan/")
    # then it is served from the primary, once said in the log, and not retried at every read
    assert response.status_code == 200
    assert replica_alias() == "default"
    assert "replica unreachable" in caplog.text
    assert caplog.text.count("replica unreachable") == 1


def test_only_read_only_work_asks_for_the_replica():
    # what reads money or state before writing must never read a lagging copy
    allowed = {
        "prakerja/core/routers.py",
        "prakerja/core/dashboard.py",  # the dashboard refresh (figures shown "as of")
        "prakerja/core/admin_exports.py",  # exports
        "partners/evaluation/services/kpis.py",  # the evaluation's KPI reads
        "partners/evaluation/services/evaluations.py",  # ...run from the evaluation
        "partners/catalogue/views.py",  # the public catalogue pages
    }
    sources = [p for d in ("prakerja", "applicants", "courses", "partners") for p in (ROOT / d).rglob("*.py")]
    users = {
        str(p.relative_to(ROOT))
        for p in sources
        if re.search(r"replica_reads|replica_alias|read_alias|using\([\"']replica", p.read_text())
    }
    assert users <= allowed
