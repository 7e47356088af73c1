from django.contrib import admin

from partners.models import Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("name", "legal_name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "legal_name")
    prepopulated_fields = {"slug": ("name",)}
