"""The partner API's request log (one row per request of a known platform)."""

import atexit
import datetime as dt
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from partners.models import ApiRequestLog

logger = logging.getLogger(__name__)


# Rows are written in batches, off most requests: each server process keeps up to
# API_LOG_BUFFER_ROWS rows and writes them in one INSERT when the buffer is full or its oldest
# row is API_LOG_FLUSH_SECONDS old (checked on the next request), and when the process exits.
# A process that is killed loses at most the rows of its buffer. 0 or 1: every row at once.
_buffer: list[ApiRequestLog] = []
_oldest = 0.0


def api_request_log(
    *, partner_id: int | None, method: str, route: str, status_code: int, started: float | None
) -> None:
    global _oldest
    if partner_id is None:
        return  # no key, or an unknown one: nobody to attribute it to
    duration = int((time.monotonic() - started) * 1000) if started is not None else 0
    row = ApiRequestLog(
        partner_id=partner_id, method=method[:7], route=route[:60], status_code=status_code, duration_ms=duration
    )
    if not _buffer:
        _oldest = time.monotonic()
    _buffer.append(row)
    if len(_buffer) >= settings.API_LOG_BUFFER_ROWS or time.monotonic() - _oldest >= settings.API_LOG_FLUSH_SECONDS:
        api_request_log_flush()


def api_request_log_flush() -> None:
    rows = _buffer[:]
    _buffer.clear()
    if not rows:
        return
    try:
        ApiRequestLog.objects.bulk_create(rows)
    except DatabaseError:
        # The log must never cost the platform its answer (the change itself is committed).
        logger.exception("%d API requests not logged", len(rows))


atexit.register(api_request_log_flush)


def api_requests_prune(*, now: dt.datetime | None = None) -> int:
    """Drop log rows older than API_LOG_RETENTION_DAYS (by time range: the BRIN index finds them)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.API_LOG_RETENTION_DAYS)
    deleted, _ = ApiRequestLog.objects.filter(at__lt=cutoff).delete()
    return deleted
