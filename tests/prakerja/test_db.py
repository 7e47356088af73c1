"""Database access that a transaction pooler cannot break (prakerja/core/db.py): locks that
outlive one statement are transaction-scoped on a connection of their own, server-side
cursors live inside a transaction. The same code runs through PgBouncer in tests/cluster."""

import re
from pathlib import Path

import pytest
from django.db import connection, transaction

from applicants.disbursement.errors import DisbursementError
from applicants.disbursement.services.runs import RUN_LOCK, disbursement_run_create
from applicants.waves.services.selection import LOCK_NAMESPACE, SelectionError, wave_selection_run
from prakerja.accounts.models import User
from prakerja.core.db import LockBusy, exclusive_lock, stream
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


def advisory_locks() -> list[tuple[str, int, int]]:
    """This test database's advisory locks, whoever holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode, classid::bigint, objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchall()


def test_a_held_lock_refuses_a_second_holder_and_leaves_nothing_behind():
    # given a lock held by one caller
    with exclusive_lock(4101, 77):
        assert len(advisory_locks()) == 1
        # when another asks for it, then it is refused at once
        with pytest.raises(LockBusy), exclusive_lock(4101, 77):
            pass
        # and a different key is free
        with exclusive_lock(4101, 78):
            pass
    # then once the block ends nothing is left in pg_locks, and the lock can be had again
    assert advisory_locks() == []
    with exclusive_lock(4101, 77):
        pass


def test_the_lock_outlives_the_commits_made_under_it():
    # given a lock held while the work commits transactions of its own
    with exclusive_lock(RUN_LOCK):
        for _ in range(3):
            with transaction.atomic():
                UserFactory()
            # then after each commit the lock is still held
            with pytest.raises(LockBusy), exclusive_lock(RUN_LOCK):
                pass
    assert advisory_locks() == []


def test_the_lock_is_released_when_the_block_fails():
    # given a block that fails under the lock
    with pytest.raises(RuntimeError), exclusive_lock(RUN_LOCK):
        raise RuntimeError("worker failed")
    # then the lock is gone
    assert advisory_locks() == []


def test_a_session_lock_is_never_taken():
    # the pooler can run an unlock on another server connection: only xact locks are used
    sources = [p for d in ("prakerja", "applicants", "courses", "partners") for p in (ROOT / d).rglob("*.py")]
    offenders = [str(p) for p in sources if re.search(r"pg_(try_)?advisory_lock\(|pg_advisory_unlock", p.read_text())]
    assert offenders == []


def test_a_running_selection_refuses_a_second_run():
    # given the wave's lock held by another process
    with exclusive_lock(LOCK_NAMESPACE, 991), pytest.raises(SelectionError, match="already running"):
        # when a second run starts, then it is refused
        wave_selection_run(wave_id=991)
    assert advisory_locks() == []


def test_a_run_being_prepared_refuses_a_second_one():
    # given the disbursement lock held by another process
    with exclusive_lock(RUN_LOCK), pytest.raises(DisbursementError):
        # when finance starts another run, then it is refused
        disbursement_run_create()
    assert advisory_locks() == []


@pytest.mark.django_db(transaction=True)
def test_stream_uses_a_cursor_that_lives_inside_its_transaction():
    # given more rows than one fetch
    UserFactory.create_batch(5)
    seen = []
    # when they are streamed in chunks of two
    for pk in stream(User.objects.order_by("pk").values_list("pk", flat=True), chunk_size=2):
        with connection.cursor() as cursor:
            cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
            seen.append((pk, connection.in_atomic_block, cursor.fetchall()))
    # then every row came through a server-side cursor WITHOUT HOLD inside a transaction
    assert len(seen) == 5
    assert all(in_atomic and cursors == [(False,)] for _pk, in_atomic, cursors in seen)


def test_every_iterator_goes_through_stream():
    # an .iterator() in autocommit declares a WITH HOLD cursor, which a pooler breaks
    sources = [p for d in ("prakerja", "applicants", "courses", "partners") for p in (ROOT / d).rglob("*.py")]
    offenders = [str(p) for p in sources if ".iterator(" in p.read_text() and p.name != "db.py"]
    assert offenders == []
