from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prakerja.ledger.models import Entry, LedgerAccount, Posting


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """The ledger is written only by services; the admin shows it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(admin.TabularInline[Entry, Posting]):
    model = Entry
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner_ref", "name", "is_protected", "balance", "created_at")
    list_filter = ("kind", "is_protected")
    search_fields = ("owner_ref", "name")
    show_full_result_count = False


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "idempotency_key", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key",)
    date_hierarchy = "created_at"
    inlines = (EntryInline,)
    show_full_result_count = False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "posting", "account", "amount")
    list_select_related = ("posting", "account")
    raw_id_fields = ("posting", "account")
    search_fields = ("posting__idempotency_key",)
    show_full_result_count = False
