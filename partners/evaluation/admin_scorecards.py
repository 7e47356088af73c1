"""Scorecards: drafted, versioned, put in use (then frozen)."""

from typing import Any, cast

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners.evaluation.services.scorecards import scorecard_activate, scorecard_new_version, scorecard_next_version
from partners.models import (
    Scorecard,
    ScorecardRule,
)
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported


class ScorecardRuleInline(admin.TabularInline[ScorecardRule, Scorecard]):
    model = ScorecardRule
    extra = 0
    fields = ("kpi", "weight", "target", "limit", "critical")

    def _draft(self, obj: Scorecard | None) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin[Scorecard]):
    """A draft is edited freely; "put in use" freezes it (the database refuses later changes);
    to change the rules in use, make a new version from it."""

    list_display = ("__str__", "note", "activated_at", "rule_count")
    fields = ("version", "note", "continue_from", "warning_from", "suspend_from", "activated_at")
    readonly_fields = ("version", "activated_at")
    inlines = (ScorecardRuleInline,)
    actions = ("activate", "new_version")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scorecard]:
        return super().get_queryset(request).annotate(rules_count=Count("rules"))

    @admin.display(description=_("KPIs"))
    def rule_count(self, obj: Scorecard) -> int:
        return cast(int, getattr(obj, "rules_count", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not obj.is_draft:
            return self.fields
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Scorecard, form: Any, change: bool) -> None:
        if not change:
            obj.version = scorecard_next_version()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Put in use (freezes it)"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Scorecard]) -> None:
        for scorecard in queryset.order_by("version"):
            with domain_errors_reported(self, request, about=scorecard) as outcome:
                scorecard_activate(scorecard=scorecard, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("%(card)s is in use.") % {"card": scorecard})

    @admin.action(description=_("New draft version from this"), permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[Scorecard]) -> HttpResponse | None:
        copy = None
        for scorecard in queryset:
            copy = scorecard_new_version(scorecard=scorecard, actor=Actor.for_request(request))
        if copy is None:
            return None
        return HttpResponseRedirect(reverse("admin:partners_scorecard_change", args=[copy.pk]))
