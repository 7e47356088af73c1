"""Open onboarding: platform applications decided by a partner manager, and the integration check
shown on the platform's page."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from partners.models import (
    IntegrationCheck,
    Partner,
    PlatformApplication,
)
from partners.onboarding.services.applications import application_decide
from partners.onboarding.services.integration_check import integration_check_steps
from prakerja.core.admin_actions import decide_each
from prakerja.core.admin_base import secret_shown_once


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
        def show_keys(_application: PlatformApplication, result: Any) -> None:
            decided, issued = result
            if issued is not None:
                secret_shown_once(
                    self,
                    request,
                    about=decided.platform_name,
                    secrets=[("API key", issued.key), ("signing secret", issued.signing_secret)],
                )

        return decide_each(
            self,
            request,
            queryset,
            title=str(_("Approve applications") if approve else _("Reject applications")),
            decide=lambda application, reason, actor: application_decide(
                application_id=application.pk, approve=approve, reason=reason, actor=actor
            ),
            then=show_keys,
        )

    @admin.action(description=_("Approve: take the platform to onboarding"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PlatformApplication]) -> Any:
        return self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject (with a reason)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[PlatformApplication]) -> Any:
        return self._decide(request, queryset, approve=False)
