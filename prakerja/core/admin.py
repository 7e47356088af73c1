from django.contrib import admin

from prakerja.core.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ("hostname", "seen_at", "beats")
    readonly_fields = ("hostname", "seen_at", "beats")


from prakerja.core import admin_beat  # noqa: E402, F401  (replaces django-celery-beat's job screen)
