"""Reads that may come from the streaming replica (DATABASE_REPLICA_URL), and only those.

Nothing goes to the replica unless asked for: code that only reads (the dashboard refresh,
exports, the evaluation's KPI queries, the public catalogue pages) runs inside
replica_reads() or uses replica_alias(); everything else, and above all whatever reads money
or state before writing, stays on the primary. The replica lags by a moment: callers show
when their figures were computed or tolerate that.

Should the replica be down, its readers fall back to the primary (logged) and try it again
after REPLICA_RETRY_S."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
REPLICA_RETRY_S = 30.0
HEALTHY_FOR_S = 5.0  # a successful check is trusted this long, to spare a round trip per read

_reading = ContextVar("replica_reads", default=False)
_state = {"down_until": 0.0, "checked_at": -HEALTHY_FOR_S}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_alias() -> str:
    """The alias for read-only work that tolerates lag: the replica when configured and
    reachable, else the primary."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    now = time.monotonic()
    if now < _state["down_until"]:
        return DEFAULT_DB_ALIAS
    if now - _state["checked_at"] < HEALTHY_FOR_S:
        return REPLICA
    replica = connections[REPLICA]
    try:
        if replica.connection is not None and not replica.is_usable():
            replica.close()
        replica.ensure_connection()
        with replica.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("replica unreachable: reading from the primary for %ss", REPLICA_RETRY_S)
        replica.close()
        _state["down_until"] = now + REPLICA_RETRY_S
        return DEFAULT_DB_ALIAS
    _state["checked_at"] = now
    return REPLICA


@contextmanager
def replica_reads() -> Iterator[str]:
    """ORM reads inside the block go to the replica (when reachable); writes never do. Yields
    the alias the block reads from, for raw SQL (connections[alias].cursor())."""
    alias = replica_alias()
    token = _reading.set(alias == REPLICA)
    try:
        yield alias
    finally:
        _reading.reset(token)


def read_alias() -> str:
    """Inside replica_reads(), the replica (if reachable); elsewhere the primary."""
    return REPLICA if _reading.get() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _reading.get() else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
