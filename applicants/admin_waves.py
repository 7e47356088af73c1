"""PMO screens for waves, selection, decisions, cards and registries."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applicants.admin_nik import NikLookupMixin
from applicants.models import (
    Blacklisting,
    Card,
    Decision,
    ImportStatus,
    RegistryImport,
    Wave,
    WaveProvinceQuota,
    WaveStatus,
)
from applicants.nik import normalise_nik
from applicants.selectors import wave_province_stats
from applicants.services.registries import registry_import_create, registry_import_progress
from applicants.services.selection import (
    SelectionError,
    selection_progress,
    selection_refusal,
    wave_selection_request,
)
from applicants.services.waves import WaveError, quotas_parse_csv, quotas_problem, wave_quotas_set
from prakerja.accounts.models import User
from prakerja.audit.services import Actor, audit_record
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.crypto import mask_identifier


class QuotaFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        national = self.instance.national_quota or 0
        total = sum(
            form.cleaned_data.get("quota") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if problem := quotas_problem(total=total, national_quota=national):
            raise forms.ValidationError(problem)


class QuotaInline(admin.TabularInline[WaveProvinceQuota, Wave]):
    model = WaveProvinceQuota
    formset = QuotaFormSet
    extra = 0
    autocomplete_fields = ("province",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.status in (WaveStatus.DRAFT, WaveStatus.OPEN, WaveStatus.CLOSED)
        return editable and super().has_change_permission(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class QuotaImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file: province code or name, quota"))


class SelectionConfirmForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Lottery seed"),
        required=False,
        help_text=_("Leave empty for a random seed; it is recorded and shown with every decision."),
    )


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin[Wave]):
    list_display = ("number", "scheme", "status", "opens_at", "closes_at", "national_quota", "selection_stage")
    list_filter = ("status", "scheme")
    list_select_related = ("scheme",)
    inlines = (QuotaInline,)
    readonly_fields = (
        "status",
        "seed",
        "selection_started_at",
        "decided_at",
        "announced_at",
        "progress",
        "registry_versions",
        "province_table",
    )
    fieldsets = (
        (None, {"fields": ("number", "scheme", "opens_at", "closes_at", "national_quota", "status")}),
        (
            _("Selection"),
            {"fields": ("progress", "seed", "selection_started_at", "decided_at", "announced_at", "registry_versions")},
        ),
        (_("Per province"), {"fields": ("province_table",)}),
    )
    actions = ("run_selection",)

    def get_readonly_fields(self, request: HttpRequest, obj: Wave | None = None) -> tuple[str, ...]:
        fields = tuple(self.readonly_fields)
        if obj is not None and obj.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
            fields += ("number", "scheme", "opens_at", "closes_at", "national_quota")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Wave, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=Actor.for_user(cast(User, request.user)),
                action="wave.changed" if change else "wave.created",
                target=obj,
                payload={field: str(form.cleaned_data.get(field)) for field in form.changed_data},
                request=request,
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # Quotas edited inline are audited like an imported CSV (wave.quotas_set).
            quotas = dict(form.instance.province_quotas.values_list("province_id", "quota"))
            audit_record(
                actor=Actor.for_user(cast(User, request.user)),
                action="wave.quotas_set",
                target=form.instance,
                payload={"quotas": quotas},
                request=request,
            )

    @admin.display(description=_("progress"))
    def progress(self, obj: Wave) -> str:
        data = selection_progress(obj)
        if not data:
            return "-"
        url = reverse("admin:applicants_wave_progress", args=[obj.pk])
        return format_html(
            '<span data-progress-url="{}" class="selection-progress">{}: {} / {}</span>',
            url,
            data.get("stage", ""),
            data.get("cards", "-"),
            data.get("selected", "-"),
        )

    @admin.display(description=_("members per province"))
    def province_table(self, obj: Wave) -> str:
        if obj.pk is None:
            return "-"
        rows = wave_province_stats(obj)
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("province"),
            _("quota"),
            _("joined"),
            _("eligible"),
            _("selected"),
            _("reasons"),
        )
        body = format_html_join(
            "",
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row.code,
                    row.name,
                    row.quota if row.quota is not None else "-",
                    row.joined,
                    row.eligible,
                    row.selected,
                    ", ".join(f"{r}: {n}" for r, n in sorted(row.reasons.items())),
                )
                for row in rows
            ),
        )
        return format_html('<table class="province-stats">{}{}</table>', head, body)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/select/", view(self.select_view), name="applicants_wave_select"),
            path("<int:pk>/progress/", view(self.progress_view), name="applicants_wave_progress"),
            path("<int:pk>/quotas/", view(self.quotas_view), name="applicants_wave_quotas"),
            path("<int:pk>/decisions.csv", view(self.export_view), name="applicants_wave_export"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {
            "select_url": reverse("admin:applicants_wave_select", args=[object_id]),
            "quotas_url": reverse("admin:applicants_wave_quotas", args=[object_id]),
            "export_url": reverse("admin:applicants_wave_export", args=[object_id]),
            "can_select": request.user.has_perm("applicants.run_selection"),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    @admin.action(description=_("Run selection (asks for confirmation)"), permissions=["run_selection"])
    def run_selection(self, request: HttpRequest, queryset: QuerySet[Wave]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one wave."), messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:applicants_wave_select", args=[queryset.get().pk]))

    def has_run_selection_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.run_selection")

    def select_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        wave = get_object_or_404(Wave.objects.select_related("scheme"), pk=pk)
        if not self.has_run_selection_permission(request):
            return HttpResponse(status=403)
        form = SelectionConfirmForm(request.POST or None)
        problem = selection_refusal(wave=wave)
        if request.method == "POST" and problem is None and form.is_valid():
            try:
                wave_selection_request(
                    wave=wave, seed=form.cleaned_data["seed"], user=cast(User, request.user), request=request
                )
            except SelectionError as error:
                form.add_error("seed", error.message)
            else:
                self.message_user(request, _("Selection queued. Progress is shown on this page."))
                return HttpResponseRedirect(reverse("admin:applicants_wave_change", args=[wave.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "wave": wave,
            "form": form,
            "problem": problem,
            "members": wave.members.count(),
            "title": _("Run the selection of %(wave)s") % {"wave": wave},
        }
        return TemplateResponse(request, "admin/applicants/wave/select.html", context)

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        wave = get_object_or_404(Wave, pk=pk)
        if not self.has_view_permission(request, wave):
            return JsonResponse({}, status=403)
        return JsonResponse({"status": wave.status, **selection_progress(wave)})

    def quotas_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        wave = get_object_or_404(Wave, pk=pk)
        if not self.has_change_permission(request, wave):
            return HttpResponse(status=403)
        form = QuotaImportForm(request.POST or None, request.FILES or None)
        problems: list[Any] = []
        if request.method == "POST" and form.is_valid():
            quotas, problems = quotas_parse_csv(data=form.cleaned_data["file"].read())
            if not problems:
                try:
                    wave_quotas_set(wave=wave, quotas=quotas, user=cast(User, request.user))
                except WaveError as error:
                    form.add_error("file", error.message)
                else:
                    self.message_user(request, _("%(count)d province quotas saved.") % {"count": len(quotas)})
                    return HttpResponseRedirect(reverse("admin:applicants_wave_change", args=[wave.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "wave": wave,
            "form": form,
            "problems": problems,
            "title": _("Import province quotas of %(wave)s") % {"wave": wave},
        }
        return TemplateResponse(request, "admin/applicants/wave/quotas.html", context)

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """The wave's decisions: the decisions list's export, for this wave."""
        wave = get_object_or_404(Wave, pk=pk)
        if not request.user.has_perm("applicants.view_decision"):
            return HttpResponse(status=403)
        decisions = cast(DecisionAdmin, self.admin_site.get_model_admin(Decision))
        return decisions.export_response(
            request,
            Decision.objects.filter(wave=wave),
            action="wave.decisions_exported",
            target=wave,
            filename=f"gelombang-{wave.number}-keputusan.csv",
        )


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


class RegistryImportForm(forms.ModelForm[RegistryImport]):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One NIK per line in the first column; a name may follow. A header line is allowed."),
    )

    class Meta:
        model = RegistryImport
        fields = ("kind", "source", "file")


@admin.register(RegistryImport)
class RegistryImportAdmin(admin.ModelAdmin[RegistryImport]):
    list_display = (
        "kind",
        "source",
        "version",
        "status",
        "progress",
        "rows_accepted",
        "rows_rejected",
        "is_current",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status", "is_current")
    list_select_related = ("created_by",)
    readonly_fields = (
        "kind",
        "source",
        "version",
        "original_name",
        "status",
        "is_current",
        "progress",
        "rows_total",
        "rows_accepted",
        "rows_rejected",
        "rejection_table",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    exclude = ("file", "rejections")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = RegistryImportForm
            kwargs["fields"] = ("kind", "source", "file")
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.exclude if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RegistryImport, form: Any, change: bool) -> None:
        created = registry_import_create(
            kind=form.cleaned_data["kind"],
            source=form.cleaned_data["source"],
            upload=form.cleaned_data["file"],
            user=cast(User, request.user),
        )
        obj.pk = created.pk
        obj.version = created.version

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    @admin.display(description=_("progress"))
    def progress(self, obj: RegistryImport) -> str:
        if obj.status == ImportStatus.RUNNING:
            return _("%(rows)s rows read") % {"rows": f"{registry_import_progress(obj):,}"}
        return str(obj.get_status_display())

    @admin.display(description=_("rejected rows"))
    def rejection_table(self, obj: RegistryImport) -> str:
        if not obj.rejections:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((item.get("line"), item.get("reason")) for item in obj.rejections[:500]),
        )
        more = len(obj.rejections) - 500
        suffix = format_html("<p>{}</p>", _("… and %(n)s more") % {"n": more}) if more > 0 else ""
        return format_html("<table><tr><th>{}</th><th>{}</th></tr>{}</table>{}", _("line"), _("reason"), rows, suffix)
