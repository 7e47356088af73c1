from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prakerja.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("occurred_at", "actor_type", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("actor_type", "action", "object_type", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "object_id", "object_repr", "action")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor_user",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
