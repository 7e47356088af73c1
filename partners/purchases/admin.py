"""Purchases (CSV export, card numbers masked) and the card confirmation guard."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partners.models import (
    Purchase,
)
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.crypto import mask_identifier


@admin.register(Purchase)
class PurchaseAdmin(CsvExportMixin, admin.ModelAdmin[Purchase]):
    export_columns = (
        ("id", "id"),
        ("invoice", "invoice_code"),
        ("platform", "partner__name"),
        ("course", "course__code"),
        ("card", "card__number"),
        ("price", "price"),
        ("commission", "commission_amount"),
        ("status", "status"),
        ("created_at", "created_at"),
        ("paid_at", "confirmed_at"),
        ("started_at", "started_at"),
        ("completed_at", "completed_at"),
        ("cancelled_at", "cancelled_at"),
    )
    export_filename = "pembelian.csv"

    def export_row(self, row: tuple[Any, ...]) -> Sequence[Any]:
        # The card number leaves masked, like a NIK.
        return (*row[:4], mask_identifier(row[4]), *row[5:])

    list_display = ("invoice_code", "partner", "course", "price", "status", "created_at", "confirmed_at")
    list_filter = ("status", "partner")
    list_select_related = ("partner", "course")
    search_fields = ("=invoice_code", "=card__number", "=voucher_code")
    show_full_result_count = False
    exclude = ("otp_hash",)
    readonly_fields = ("attendance",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("sessions attended"))
    def attendance(self, obj: Purchase) -> str:
        """Attendance as the institution recorded it, with the gaps: the sessions of the course's
        schedule that have no record."""
        if obj.redeem_code is None:
            return "-"
        attended = sorted(obj.redeem_code.attendances.values_list("sequence", flat=True))
        highest = max(attended, default=0)
        gaps = [n for n in range(1, highest + 1) if n not in attended]
        used = obj.redeem_code.used_at
        return format_html(
            "{}: {} · {}: {} · {}: {}",
            _("started"),
            used.strftime("%Y-%m-%d %H:%M") if used else "-",
            _("attended"),
            ", ".join(map(str, attended)) or "-",
            _("missing"),
            ", ".join(map(str, gaps)) or "-",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from partners.purchases import (  # noqa: E402
    admin_guard,  # noqa: F401  (registers its screen)
    admin_rules,  # noqa: F401  (registers its screen)
)
