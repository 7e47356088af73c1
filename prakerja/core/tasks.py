from typing import Any

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from prakerja.core.models import WorkerHeartbeat


@shared_task(name="system.heartbeat", bind=True, acks_late=True, ignore_result=False)
def heartbeat(self: Any) -> str:
    hostname = self.request.hostname or "unknown"
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(hostname=hostname).update(seen_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(hostname=hostname, defaults={"seen_at": now, "beats": 1})
    return hostname


@shared_task(name="batch.dashboard_refresh", acks_late=True)
def dashboard_refresh_task() -> dict[str, int]:
    from prakerja.core.dashboard import dashboard_refresh

    return dashboard_refresh()
