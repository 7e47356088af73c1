"""Admin screen for importing the registries selection checks (blacklists, prior recipients, social programmes)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import (
    HttpRequest,
)
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from applicants.holds.models import Hold, HoldKind
from applicants.models import (
    ImportStatus,
    RegistryImport,
)
from applicants.waves.services.registries import registry_import_create, registry_import_progress
from prakerja.core.actor import Actor


class RegistryImportForm(forms.ModelForm[RegistryImport]):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One NIK per line in the first column; a name may follow. A header line is allowed. "
            "Wage earners: the monthly wage in rupiah in the second column."
        ),
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
        "holds_placed",
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
            actor=Actor.for_request(request),
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

    @admin.display(description=_("held before payout"))
    def holds_placed(self, obj: RegistryImport) -> str:
        """The participants this list stopped before a payout run: the verifiers' review items."""
        source = f"registry:{obj.pk}"
        count = Hold.objects.filter(kind=HoldKind.REGISTRY, source=source).count()
        if not count:
            return "0"
        url = reverse("admin:applicants_hold_changelist") + "?" + urlencode({"source": source})
        return format_html('<a href="{}">{}</a>', url, count)

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
