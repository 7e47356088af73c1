"""Admin screens for the results of selection: decisions, cards and blacklistings (read-only, searched
by NIK or card number)."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
)
from django.utils.translation import gettext_lazy as _

from applicants.models import (
    Blacklisting,
    Card,
    Decision,
)
from applicants.registration.admin_nik import NikLookupMixin
from applicants.registration.nik import normalise_nik
from prakerja.core.admin_base import ReadOnlyAdmin
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.crypto import mask_identifier


class NikOrCardSearch(NikLookupMixin, ReadOnlyAdmin):
    """Search by an exact card number in the search box, or an exact NIK through the NIK form
    (posted, so that it never appears in a URL: applicants/admin_nik.py)."""

    card_path = ""
    search_help_text = _("An exact card number. Use the 'Exact NIK' form for a NIK.")
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        digits = normalise_nik(search_term)
        if len(digits) == 16 and digits.isdigit():
            return queryset.filter(**{self.card_path: digits}), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Decision)
class DecisionAdmin(CsvExportMixin, NikOrCardSearch):
    export_columns = (
        ("member", "member_id"),
        ("nik", "member__applicant__nik_masked"),
        ("province", "member__province_id"),
        ("outcome", "outcome"),
        ("reasons", "reasons"),
        ("province_rank", "province_rank"),
        ("national_rank", "national_rank"),
        ("card_number", "card__number"),
        ("seed", "seed"),
        ("rules_version", "rules_version"),
        ("scheme_version", "scheme_version"),
        ("decided_at", "decided_at"),
        ("wave", "wave__number"),
    )

    def export_row(self, row: tuple[Any, ...]) -> Sequence[Any]:
        # Card numbers leave masked, like NIKs (a decision without a card has none).
        card = row[7]
        return (*row[:7], mask_identifier(card) if card else "", *row[8:])

    export_filename = "keputusan.csv"
    # The NIK form over the export button (CsvExportMixin comes first in the bases).
    change_list_template = "admin/nik_search_change_list.html"
    nik_parent_template = "admin/export_change_list.html"
    nik_path = "member__applicant__nik_index"
    card_path = "card__number"
    list_display = ("member_id", "nik", "wave", "outcome", "reason_list", "province_rank", "national_rank")
    list_filter = ("wave", "outcome")
    list_select_related = ("wave", "member__applicant")
    search_fields = ("=member__id",)

    @admin.display(description="NIK")
    def nik(self, obj: Decision) -> str:
        return obj.member.applicant.nik_masked

    @admin.display(description=_("reasons"))
    def reason_list(self, obj: Decision) -> str:
        return ", ".join(obj.reasons)


@admin.register(Card)
class CardAdmin(NikOrCardSearch):
    nik_path = "applicant__nik_index"
    card_path = "number"
    list_display = ("number", "nik", "wave", "status", "issued_at", "purchase_deadline", "first_purchase_at")
    list_filter = ("status", "wave")
    list_select_related = ("wave", "applicant")
    search_fields = ("=number",)
    exclude = ("applicant", "decision")

    @admin.display(description="NIK")
    def nik(self, obj: Card) -> str:
        return obj.applicant.nik_masked


@admin.register(Blacklisting)
class BlacklistingAdmin(ReadOnlyAdmin):
    list_display = ("applicant_id", "reason", "created_at")
    exclude = ("nik_index", "applicant")
