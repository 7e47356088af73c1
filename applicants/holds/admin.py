"""The verifiers' queue of holds: every open hold with its kind and reason, oldest first; a
verifier releases one after review, with a reason (audited). Holds are never edited or deleted."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applicants.holds.models import Hold
from applicants.holds.services import hold_release
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported

# A hold's source "<prefix>:<id>" opens the admin page of what placed it.
SOURCE_PAGES = {"registry": "admin:applicants_registryimport_change"}


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("released", _("Released"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hold]) -> QuerySet[Hold]:
        if self.value() == "open":
            return queryset.filter(released_at__isnull=True)
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        return queryset


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("pk", "applicant_id", "kind", "reason", "source_link", "placed_at", "released_at")
    list_filter = (OpenFilter, "kind")
    ordering = ("placed_at",)
    show_full_result_count = False
    fields = (
        "applicant",
        "kind",
        "source_link",
        "reason",
        "placed_at",
        "placed_by",
        "released_at",
        "released_by",
        "release_reason",
    )
    readonly_fields = fields
    raw_id_fields = ("applicant",)
    actions = ("release",)

    @admin.display(description=_("placed by"), ordering="source")
    def source_link(self, obj: Hold) -> str:
        prefix, _sep, object_id = obj.source.partition(":")
        page = SOURCE_PAGES.get(prefix)
        if page is None or not object_id.isdigit():
            return obj.source
        try:
            return format_html('<a href="{}">{}</a>', reverse(page, args=[object_id]), obj.source)
        except NoReverseMatch:
            return obj.source

    def has_release_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.release_hold")

    @admin.action(description=_("Release after review (with a reason)"), permissions=["release"])
    def release(self, request: HttpRequest, queryset: QuerySet[Hold]) -> Any:
        form = action_form_or_page(request, self, queryset, title=str(_("Release the holds")))
        if isinstance(form, HttpResponse):
            return form
        for hold in queryset.filter(released_at__isnull=True):
            with domain_errors_reported(self, request, about=hold):
                hold_release(hold=hold, reason=form.cleaned_data["reason"], actor=Actor.for_request(request))
        return None
