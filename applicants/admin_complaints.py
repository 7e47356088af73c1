"""Complaints in the admin (read-only for now: the evaluation's complaint figures drill down
here; the complaint desk's queue comes with the PMO operations work)."""

from django.contrib import admin

from applicants.admin_waves import ReadOnlyAdmin
from applicants.models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "category", "subject", "status", "platform_id")
    list_filter = ("category", "status")
    search_fields = ("subject",)
    show_full_result_count = False
