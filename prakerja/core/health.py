"""Liveness and readiness probes for load balancers and orchestrators.

`/readyz` is reachable from the internet, so its public answer says only whether the service
is ready. Which dependency failed, and why, is for the operators: a request with
`Authorization: Bearer <READYZ_TOKEN>`, or one that reached the server directly (no
X-Forwarded-For, so not through the public proxy) from READYZ_DETAIL_NETWORKS. The failure
itself is always logged.
"""

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prakerja.celery import app as celery_app
from prakerja.core.client_ip import FORWARDED_KEY

logger = logging.getLogger(__name__)

CELERY_PING_TIMEOUT_S = 1.0


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_celery() -> str:
    # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
    replies = celery_app.control.ping(timeout=CELERY_PING_TIMEOUT_S, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return "a worker answered"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _check_database,
    "redis": _check_redis,
    "celery": _check_celery,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readiness_details_allowed(request: HttpRequest) -> bool:
    token = settings.READYZ_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    if request.META.get(FORWARDED_KEY) or "x-forwarded-for" in request.headers:
        # Came through a proxy (trusted or not, the header itself may already be gone): the
        # caller is somebody else than the peer that connected.
        return False
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(net, strict=False) for net in settings.READYZ_DETAIL_NETWORKS)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            ok = True
        except Exception as exc:  # noqa: BLE001 - a probe reports any failure, it never raises
            detail = f"{type(exc).__name__}: {exc}"
            ok = False
            logger.warning("readyz: %s check failed", name, exc_info=True)
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    ready = all(r["ok"] for r in results.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable"}
    if readiness_details_allowed(request):
        body["checks"] = results
    return JsonResponse(body, status=200 if ready else 503)
