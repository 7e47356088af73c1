"""Platforms: their status lifecycle (with a reason), agreements, listings and API keys."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from courses.admin_ownership import OwnerStakeFormSet
from partners.conflicts.admin import ListingDisclosureMixin, PlatformOwnerInline, platform_owners_formset_save
from partners.conflicts.services.owners import partner_business_number_set
from partners.models import (
    Agreement,
    Listing,
    Partner,
    PartnerAPIKey,
    PartnerStatus,
    PlatformOwner,
    StatusChange,
)
from partners.onboarding.admin import IntegrationCheckInline
from partners.onboarding.services.integration_check import partner_activate_after_check
from partners.platforms.services.api_keys import api_key_issue, api_key_revoke
from partners.platforms.services.lifecycle import partner_status_change
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import domain_errors_reported, secret_shown_once


class StatusChangeForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=PartnerStatus.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AgreementInline(admin.TabularInline[Agreement, Partner]):
    model = Agreement
    extra = 0
    fields = ("number", "signed_on", "starts_on", "ends_on", "commission_cap_bp", "terms_version", "document")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline[StatusChange, Partner]):
    model = StatusChange
    extra = 0
    fields = ("changed_at", "from_status", "to_status", "reason", "actor_label")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("name", "legal_name", "status", "created_at")
    inlines = (AgreementInline, PlatformOwnerInline, StatusChangeInline, IntegrationCheckInline)
    list_filter = ("status",)
    search_fields = ("name", "legal_name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("institutions",)
    readonly_fields = ("status",)
    actions = ("change_status", "activate_after_check")

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        number_changed = change and "business_number" in form.changed_data
        if number_changed:  # set (audited, listings re-flagged) by the service below
            number, obj.business_number = obj.business_number, form.initial.get("business_number") or ""
        super().save_model(request, obj, form, change)
        if number_changed:
            with domain_errors_reported(self, request, about=obj):
                partner_business_number_set(partner=obj, business_number=number, actor=Actor.for_request(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is PlatformOwner and isinstance(formset, OwnerStakeFormSet):
            platform_owners_formset_save(request, form.instance, formset)
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Integration check passed: make active"), permissions=["change"])
    def activate_after_check(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        for partner in queryset:
            with domain_errors_reported(self, request, about=partner) as outcome:
                partner_activate_after_check(partner=partner, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("%(partner)s is active.") % {"partner": partner})

    @admin.action(description=_("Change status (with a reason)"), permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        form = action_form_or_page(request, self, queryset, title=str(_("Change status")), form_class=StatusChangeForm)
        if isinstance(form, HttpResponse):
            return form
        for partner in queryset:
            with domain_errors_reported(self, request, about=partner) as outcome:
                partner_status_change(
                    partner=partner,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
            if outcome.ok:
                self.message_user(request, _("%(partner)s: status changed.") % {"partner": partner})
        return None


@admin.register(Listing)
class ListingAdmin(ListingDisclosureMixin, admin.ModelAdmin[Listing]):
    list_display = ("course", "partner", "sku", "price", "is_active", "affiliated", "withheld_for_disclosure")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("partner", "is_active", "affiliated", "withheld_for_disclosure")
    search_fields = ("sku", "course__code", "course__title")
    list_select_related = ("course", "partner")
    raw_id_fields = ("course",)
    actions = ("approve_disclosure",)
    readonly_fields = (
        "affiliated",
        "affiliation",
        "withheld_for_disclosure",
        "disclosure",
        "disclosure_en",
        "disclosed_at",
        "disclosed_by",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An affiliated listing goes on sale only through the curators' disclosure.
        if obj is not None and obj.affiliated and obj.disclosed_at is None:
            return ("is_active", *self.readonly_fields)
        return self.readonly_fields


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(admin.ModelAdmin[PartnerAPIKey]):
    """Issuing shows the key and signing secret once, in the confirmation message; afterwards
    the portal holds only a hash of the key and the secret encrypted."""

    list_display = ("partner", "name", "prefix", "created", "last_used_at", "revoked")
    list_filter = ("revoked", "partner")
    list_select_related = ("partner",)
    search_fields = ("prefix", "name", "partner__name")
    fields = ("partner", "name")
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("partner", "name") if obj is not None else ()

    # A credential model: the issue permission stands in for the model permissions.
    def _may_issue(self, request: HttpRequest) -> bool:
        return request.user.has_perm("partners.issue_partnerapikey")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_issue(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_issue(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_issue(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_issue(request) or super().has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PartnerAPIKey, form: Any, change: bool) -> None:
        if change:
            return
        issued = api_key_issue(
            partner=form.cleaned_data["partner"],
            name=form.cleaned_data["name"],
            actor=Actor.for_request(request),
        )
        obj.pk = issued.api_key.pk
        secret_shown_once(self, request, secrets=[("API key", issued.key), ("Signing secret", issued.signing_secret)])

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerAPIKey]) -> None:
        for api_key in queryset.select_related("partner"):
            api_key_revoke(api_key=api_key, actor=Actor.for_request(request))
        self.message_user(request, _("%(count)d key(s) revoked.") % {"count": queryset.count()})
