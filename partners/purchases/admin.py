"""Purchases (CSV export, card numbers masked) and the card confirmation guard."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from courses.training import training_problems, training_progress
from partners.models import Purchase, PurchaseStatus
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
        """The training as the institution reported it, against the course's session plan: when
        it started, the sessions attended, and what completion still waits for (the rule's own
        list, courses.training)."""
        if obj.redeem_code is None:
            return "-"
        progress = training_progress(obj.redeem_code)
        attended = [str(s.sequence) for s in progress.sessions if s.attended]
        missing = training_problems(progress, at=timezone.now()) if obj.status != PurchaseStatus.COMPLETED else []
        used = obj.redeem_code.used_at
        return format_html(
            "{}: {} · {}: {} / {} · {}: {}",
            _("started"),
            timezone.localtime(used).strftime("%Y-%m-%d %H:%M") if used else "-",
            _("attended"),
            ", ".join(attended) or "-",
            len(progress.sessions),
            _("missing"),
            " ".join(p.message for p in missing) or "-",
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
