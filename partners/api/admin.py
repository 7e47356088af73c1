"""The partner API's request log."""

from django.contrib import admin

from partners.models import (
    ApiRequestLog,
)
from prakerja.core.admin_base import ReadOnlyAdmin


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(ReadOnlyAdmin):
    """Every partner API request (no bodies, no keys): for support and the API error rate."""

    list_display = ("at", "partner", "method", "route", "status_code", "duration_ms")
    list_filter = ("partner", "status_code", "method")
    list_select_related = ("partner",)
    show_full_result_count = False
    ordering = ("-at",)
