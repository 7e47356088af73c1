from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin_base import ReadOnlyAdmin
from prakerja.ledger.models import LedgerAccount, Posting


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
    fields = ("idempotency_key", "kind", "memo", "reverses", "created_at", "entry_lines")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("entries"))
    def entry_lines(self, obj: Posting) -> SafeString:
        # Entries have a composite key (posting, account), which the admin cannot register,
        # so they are shown here, read-only.
        rows = obj.entries.select_related("account").order_by("account_id")
        return format_html_join(
            "",
            '<div class="ledger-entry">{} <strong>{}</strong></div>',
            ((str(entry.account), f"{entry.amount:+,}") for entry in rows),
        )
