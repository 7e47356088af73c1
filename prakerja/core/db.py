"""Database access that stays correct behind a transaction pooler (PgBouncer,
pool_mode = transaction; docs/deployment.md).

Under transaction pooling a client's statements outside a transaction may each run on a
different server connection, so nothing may rely on session state between two of them:
a session advisory lock taken by one statement may be released (or not) by another server
connection, and a server-side cursor declared WITH HOLD in autocommit lives on a connection
the next FETCH may not reach. The two helpers here keep both inside one transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.models import QuerySet

T = TypeVar("T")


class LockBusy(Exception):
    """Another process holds the lock."""


@contextmanager
def exclusive_lock(*key: int, using: str = "default") -> Iterator[None]:
    """Hold a transaction-scoped advisory lock (pg_try_advisory_xact_lock) for the block,
    on a connection of its own, or raise LockBusy at once if another process holds it.

    For work that commits many transactions of its own (a wave's selection, a disbursement
    run's preparation): the lock's transaction stays open on its own connection while the
    work commits on the usual one, and ends with the block. Should the process die, the
    connection closes and PostgreSQL (behind PgBouncer too: the pooler drops a server
    connection whose client left mid-transaction) ends the transaction and the lock with it;
    nothing is left in pg_locks. Costs one server connection for the block's duration."""
    if len(key) not in (1, 2):
        raise ValueError("an advisory lock key is one bigint or two ints")
    lock_connection = connections.create_connection(using)
    try:
        lock_connection.set_autocommit(False)
        with lock_connection.cursor() as cursor:
            function = "pg_try_advisory_xact_lock(%s)" if len(key) == 1 else "pg_try_advisory_xact_lock(%s, %s)"
            cursor.execute(f"SELECT {function}", list(key))
            row = cursor.fetchone()
        if not (row and row[0]):
            raise LockBusy
        yield
    finally:
        try:
            lock_connection.rollback()  # ends the transaction, which releases the lock
        finally:
            lock_connection.close()


def stream(queryset: "QuerySet[Any, T]", *, chunk_size: int = 2000) -> Iterator[T]:
    """Iterate a large queryset with a server-side cursor, inside a transaction.

    Inside atomic() Django declares the cursor WITHOUT HOLD, so it lives exactly as long as
    the transaction, which a transaction pooler keeps on one server connection (Django's
    documented alternative to DISABLE_SERVER_SIDE_CURSORS, which would load every row into
    memory). A generator: the transaction is open while the caller consumes it and ends when
    it is exhausted or closed (a streamed response closes it when the client goes away).
    Every .iterator() of the project goes through here (tests/core/test_db.py checks)."""
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)
