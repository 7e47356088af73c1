from django.contrib import admin

from prakerja.audit.models import AuditEvent
from prakerja.core.admin_base import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_type", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("actor_type", "action", "object_type", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "object_id", "object_repr", "action")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor_user",)
    show_full_result_count = False
