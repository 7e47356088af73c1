"""Admin screens for schemes and waves: quotas (inline or imported CSV), selection started and
followed, the figures per province."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
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

from applicants.models import (
    Decision,
    Scheme,
    SchemeDeadline,
    Wave,
    WaveProvinceQuota,
    WaveStatus,
)
from applicants.waves.admin_cards import DecisionAdmin
from applicants.waves.selectors import wave_province_stats
from applicants.waves.services.deadlines import scheme_deadline_save
from applicants.waves.services.schemes import scheme_save
from applicants.waves.services.selection import (
    selection_progress,
    selection_refusal,
    wave_selection_request,
)
from applicants.waves.services.waves import (
    quotas_parse_csv,
    quotas_problem,
    wave_locked_fields,
    wave_quotas_record,
    wave_quotas_set,
    wave_save,
)
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin[Scheme]):
    list_display = (
        "name",
        "effective_from",
        "training_balance",
        "incentive_amount",
        "incentive_count",
        "min_course_hours",
        "wage_threshold",
        "version",
    )
    readonly_fields = ("version",)

    def save_model(self, request: HttpRequest, obj: Scheme, form: Any, change: bool) -> None:
        changed = {field: form.cleaned_data.get(field) for field in form.changed_data}
        scheme_save(scheme=obj, changed=changed, actor=Actor.for_request(request))


@admin.register(SchemeDeadline)
class SchemeDeadlineAdmin(admin.ModelAdmin[SchemeDeadline]):
    """The last days of each programme year per scheme; every change audited, none deleted
    (the services and the balance sweep read them)."""

    list_display = ("scheme", "year", "last_purchase_on", "last_completion_on", "last_review_on", "balance_until")
    list_filter = ("scheme", "year")

    def save_model(self, request: HttpRequest, obj: SchemeDeadline, form: Any, change: bool) -> None:
        changed = {field: form.cleaned_data.get(field) for field in form.changed_data}
        with domain_errors_reported(self, request, about=obj):
            scheme_deadline_save(deadline=obj, changed=changed, actor=Actor.for_request(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
        return tuple(self.readonly_fields) + wave_locked_fields(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Wave, form: Any, change: bool) -> None:
        changed = {field: form.cleaned_data.get(field) for field in form.changed_data}
        wave_save(
            wave=obj,
            changed=changed,
            created=not change,
            actor=Actor.for_request(request),
            request=request,
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            wave_quotas_record(wave=form.instance, actor=Actor.for_request(request), request=request)

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
            with domain_errors_reported(self, request, form=form, fallback="seed") as outcome:
                wave_selection_request(
                    wave=wave, seed=form.cleaned_data["seed"], actor=Actor.for_request(request), request=request
                )
            if outcome.ok:
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
                with domain_errors_reported(self, request, form=form, fallback="file") as outcome:
                    wave_quotas_set(wave=wave, quotas=quotas, actor=Actor.for_request(request))
                if outcome.ok:
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
