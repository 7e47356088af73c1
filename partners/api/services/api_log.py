"""The partner API's request log (one row per request of a known platform)."""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from partners.models import ApiRequestLog

logger = logging.getLogger(__name__)


def api_request_log(
    *, partner_id: int | None, method: str, route: str, status_code: int, started: float | None
) -> None:
    if partner_id is None:
        return  # no key, or an unknown one: nobody to attribute it to
    duration = int((time.monotonic() - started) * 1000) if started is not None else 0
    try:
        ApiRequestLog.objects.create(
            partner_id=partner_id, method=method[:7], route=route[:60], status_code=status_code, duration_ms=duration
        )
    except DatabaseError:
        # The log must never cost the platform its answer (the change itself is committed).
        logger.exception("API request not logged")


def api_requests_prune(*, now: dt.datetime | None = None) -> int:
    """Drop log rows older than API_LOG_RETENTION_DAYS (by time range: the BRIN index finds them)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.API_LOG_RETENTION_DAYS)
    deleted, _ = ApiRequestLog.objects.filter(at__lt=cutoff).delete()
    return deleted
