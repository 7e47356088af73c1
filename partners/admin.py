from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from partners.models import (
    Agreement,
    ApiRequestLog,
    IntegrationCheck,
    Listing,
    Partner,
    PartnerAPIKey,
    PartnerStatus,
    PlatformApplication,
    Purchase,
    StatusChange,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.services.api_keys import api_key_issue, api_key_revoke
from partners.services.integration_check import integration_check_steps, partner_activate_after_check
from partners.services.lifecycle import partner_status_change
from partners.services.onboarding import application_decide
from partners.services.webhooks import (
    WebhookError,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
    webhook_redeliver,
    webhook_url_check,
)
from prakerja.audit.services import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, secret_shown_once
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.crypto import mask_identifier


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


class IntegrationCheckInline(admin.TabularInline[IntegrationCheck, Partner]):
    model = IntegrationCheck
    extra = 0
    fields = ("created_at", "listing", "steps", "activated_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("steps"))
    def steps(self, obj: IntegrationCheck) -> str:
        return format_html_join(
            " · ", "{} {}", ((("✔" if step.done else "✘"), step.label) for step in integration_check_steps(obj))
        )


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("name", "legal_name", "status", "created_at")
    inlines = (AgreementInline, StatusChangeInline, IntegrationCheckInline)
    list_filter = ("status",)
    search_fields = ("name", "legal_name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("institutions",)
    readonly_fields = ("status",)
    actions = ("change_status", "activate_after_check")

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
class ListingAdmin(admin.ModelAdmin[Listing]):
    list_display = ("course", "partner", "sku", "price", "is_active")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("partner", "is_active")
    search_fields = ("sku", "course__code", "course__title")
    list_select_related = ("course", "partner")
    raw_id_fields = ("course",)


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


class WebhookEndpointForm(forms.ModelForm[WebhookEndpoint]):
    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            webhook_url_check(url)
        except WebhookError as error:
            raise forms.ValidationError(error.message) from error
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("partner", "url", "is_active", "created_at")
    list_filter = ("is_active", "partner")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ("partner", "url", "is_active")
    form = WebhookEndpointForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("partner", "url") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        if change:
            # Only is_active may change here: through the service, so it is audited.
            if "is_active" in form.changed_data:
                with domain_errors_reported(self, request):
                    webhook_endpoint_set_active(
                        endpoint=WebhookEndpoint.objects.get(pk=obj.pk),
                        active=obj.is_active,
                        actor=Actor.for_request(request),
                    )
            return
        created = webhook_endpoint_create(
            partner=form.cleaned_data["partner"],
            url=form.cleaned_data["url"],
            actor=Actor.for_request(request),
        )
        obj.pk = created.endpoint.pk
        secret_shown_once(self, request, secrets=[("Signing secret", created.secret)])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("status", "endpoint__partner")
    list_select_related = ("event", "endpoint")
    readonly_fields = ("event", "endpoint", "status", "attempts", "last_status_code", "last_error", "delivered_at")
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Deliver again"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            webhook_redeliver(delivery=delivery, actor=Actor.for_request(request))
        self.message_user(request, _("%(count)d delivery(ies) queued again.") % {"count": queryset.count()})


@admin.register(PlatformApplication)
class PlatformApplicationAdmin(admin.ModelAdmin[PlatformApplication]):
    """The review queue of the open door, with the entry criteria checked and shown."""

    list_display = ("platform_name", "company_name", "submitted_at", "criteria_summary", "status")
    list_filter = ("status",)
    search_fields = ("platform_name", "company_name", "contact_email")
    readonly_fields = (
        "company_name",
        "platform_name",
        "website",
        "business_id_number",
        "tax_number",
        "contact_name",
        "contact_email",
        "contact_phone",
        "province_list",
        "can_integrate_payment",
        "terms_version",
        "criteria_table",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_reason",
        "partner",
    )
    exclude = ("provinces", "criteria")
    actions = ("approve", "reject")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("entry criteria"))
    def criteria_summary(self, obj: PlatformApplication) -> str:
        return "✓" if obj.meets_criteria else "✗ " + ", ".join(k for k, v in obj.criteria.items() if not v["ok"])

    @admin.display(description=_("entry criteria"))
    def criteria_table(self, obj: PlatformApplication) -> str:
        return format_html_join(
            "", "<p>{} {}: {}</p>", (("✓" if v["ok"] else "✗", k, v["detail"]) for k, v in obj.criteria.items())
        )

    @admin.display(description=_("provinces served"))
    def province_list(self, obj: PlatformApplication) -> str:
        return ", ".join(obj.provinces.order_by("name").values_list("name", flat=True))

    def _decide(self, request: HttpRequest, queryset: QuerySet[PlatformApplication], approve: bool) -> Any:
        title = _("Approve applications") if approve else _("Reject applications")
        form = action_form_or_page(request, self, queryset, title=str(title))
        if isinstance(form, HttpResponse):
            return form
        for application in queryset:
            with domain_errors_reported(self, request, about=application) as outcome:
                decided, issued = application_decide(
                    application_id=application.pk,
                    approve=approve,
                    reason=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
            if outcome.ok and issued is not None:
                secret_shown_once(
                    self,
                    request,
                    about=decided.platform_name,
                    secrets=[("API key", issued.key), ("signing secret", issued.signing_secret)],
                )
        return None

    @admin.action(description=_("Approve: take the platform to onboarding"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PlatformApplication]) -> Any:
        return self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject (with a reason)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[PlatformApplication]) -> Any:
        return self._decide(request, queryset, approve=False)


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(ReadOnlyAdmin):
    """Every partner API request (no bodies, no keys): for support and the API error rate."""

    list_display = ("at", "partner", "method", "route", "status_code", "duration_ms")
    list_filter = ("partner", "status_code", "method")
    list_select_related = ("partner",)
    show_full_result_count = False
    ordering = ("-at",)


from partners import admin_evaluation, admin_purchase_guard  # noqa: E402, F401  (register their screens)
