from django.contrib import admin

from partners.models import Listing, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("name", "legal_name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "legal_name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin[Listing]):
    list_display = ("course", "partner", "sku", "price", "is_active")
    list_filter = ("partner", "is_active")
    search_fields = ("sku", "course__code", "course__title")
    list_select_related = ("course", "partner")
    raw_id_fields = ("course",)
