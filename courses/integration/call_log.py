"""The integration protocol's call log (IntegrationCall), written in batches off most calls.

Each server process keeps up to INTEGRATION_LOG_BUFFER_ROWS rows and writes them in one INSERT
when the buffer is full or its oldest row is INTEGRATION_LOG_FLUSH_SECONDS old (checked on the
next call), and when the process exits. A process that is killed loses at most the rows of its
buffer (≤ INTEGRATION_LOG_BUFFER_ROWS rows, ≤ INTEGRATION_LOG_FLUSH_SECONDS of its calls), as
the partner API's request log does. 0 or 1: every row at once (the test settings)."""

import atexit
import logging
import time

from django.conf import settings
from django.db import DatabaseError

from courses.models import IntegrationCall

logger = logging.getLogger(__name__)

_buffer: list[IntegrationCall] = []
_oldest = 0.0


def integration_call_log(row: IntegrationCall) -> None:
    global _oldest
    if not _buffer:
        _oldest = time.monotonic()
    _buffer.append(row)
    if (
        len(_buffer) >= settings.INTEGRATION_LOG_BUFFER_ROWS
        or time.monotonic() - _oldest >= settings.INTEGRATION_LOG_FLUSH_SECONDS
    ):
        integration_call_log_flush()


def integration_call_log_flush() -> None:
    rows = _buffer[:]
    _buffer.clear()
    if not rows:
        return
    try:
        IntegrationCall.objects.bulk_create(rows)
    except DatabaseError:
        # The log must never cost the institution its answer (the change itself is committed).
        logger.exception("%d integration calls not logged", len(rows))


atexit.register(integration_call_log_flush)
