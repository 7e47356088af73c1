"""The verifiers' queue of data correction requests (approve or reject, with a reason; approval
applies the correction through applicants.data_rights.services.correction_decide, audited), and
the access requests (read-only)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applicants.data_rights.models import (
    IDENTIFIER_FIELDS,
    AccessRequest,
    BreachNotification,
    CorrectionRequest,
    CorrectionStatus,
    RestrictionRequest,
    RestrictionStatus,
)
from applicants.data_rights.selectors import breach_affected
from applicants.data_rights.services import (
    breach_notify,
    correction_decide,
    correction_number_reveal,
    restriction_decide,
)
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import decide_each
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, screen_path
from prakerja.core.uploads import private_image_response


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "applicant_id", "status", "requested_at", "ready_at", "downloaded_at")
    list_filter = ("status",)
    fields = ("applicant", "status", "requested_at", "ready_at", "downloaded_at")
    readonly_fields = fields


@admin.register(RestrictionRequest)
class RestrictionRequestAdmin(admin.ModelAdmin[RestrictionRequest]):
    """The verifiers' queue of restriction requests: grant or refuse, with a reason the person
    is sent (applicants.data_rights.services.restriction_decide, audited)."""

    list_display = ("pk", "applicant", "requested_at", "status", "decided_at")
    list_filter = ("status",)
    list_select_related = ("applicant__user",)
    fields = ("applicant", "reason", "requested_at", "status", "decided_at", "decided_by", "decision_reason")
    readonly_fields = fields
    actions = ("grant", "refuse")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _decide(self, request: HttpRequest, queryset: QuerySet[RestrictionRequest], grant: bool) -> Any:
        return decide_each(
            self,
            request,
            queryset.filter(status=RestrictionStatus.PENDING),
            title=str(_("Grant the restriction") if grant else _("Refuse the restriction")),
            decide=lambda restriction, reason, actor: restriction_decide(
                restriction_id=restriction.pk, grant=grant, reason=reason, actor=actor
            ),
        )

    @admin.action(description=_("Grant: restrict processing to the programme's duties"), permissions=["change"])
    def grant(self, request: HttpRequest, queryset: QuerySet[RestrictionRequest]) -> Any:
        return self._decide(request, queryset, grant=True)

    @admin.action(description=_("Refuse (with a reason)"), permissions=["change"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[RestrictionRequest]) -> Any:
        return self._decide(request, queryset, grant=False)


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin[CorrectionRequest]):
    list_display = ("pk", "applicant", "field", "requested_at", "status")
    list_filter = ("status", "field")
    list_select_related = ("applicant__user",)
    fields = (
        "applicant",
        "current_value",
        "field",
        "value",
        "explanation",
        "evidence_link",
        "status",
        "requested_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    readonly_fields = fields
    actions = ("approve", "reject", "reveal_number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CorrectionRequest]:
        return super().get_queryset(request).select_related("applicant__user")

    def get_urls(self) -> list[URLPattern]:
        return [
            screen_path(self, "<int:pk>/evidence/", self.evidence_view, "evidence"),
            *super().get_urls(),
        ]

    def has_reveal_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.reveal_nik")

    @admin.action(description=_("Show the requested NIK or KK number in full (recorded)"), permissions=["reveal"])
    def reveal_number(self, request: HttpRequest, queryset: QuerySet[CorrectionRequest]) -> Any:
        """An action (a POST with the admin's CSRF token, the number never in a URL); one request
        at a time, audited by the service."""
        correction = queryset.first()
        if correction is None or queryset.count() != 1:
            self.message_user(request, _("Choose exactly one request."), messages.WARNING)
            return None
        with domain_errors_reported(self, request) as outcome:
            number = correction_number_reveal(correction=correction, actor=Actor.for_request(request), request=request)
        if not outcome.ok:
            return None
        context = {
            **self.admin_site.each_context(request),
            "correction": correction,
            "number": number,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/applicants/correction_reveal.html", context)

    def evidence_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise Http404
        correction = get_object_or_404(CorrectionRequest, pk=pk)
        if not correction.evidence:
            raise Http404
        return private_image_response(correction.evidence)

    @admin.display(description=_("value now"))
    def current_value(self, obj: CorrectionRequest) -> Any:
        if obj.field in IDENTIFIER_FIELDS:  # masked, like the requested number beside it
            return getattr(obj.applicant, f"{obj.field}_masked")
        return getattr(obj.applicant, obj.field)

    @admin.display(description=_("evidence (photo)"))
    def evidence_link(self, obj: CorrectionRequest) -> str:
        url = reverse("admin:applicants_correctionrequest_evidence", args=[obj.pk])
        return format_html('<a href="{}" target="_blank"><img src="{}" alt="" style="max-width:320px"></a>', url, url)

    def _decide(self, request: HttpRequest, queryset: QuerySet[CorrectionRequest], approve: bool) -> Any:
        return decide_each(
            self,
            request,
            queryset.filter(status=CorrectionStatus.PENDING),
            title=str(_("Approve and apply the corrections") if approve else _("Reject the corrections")),
            decide=lambda correction, reason, actor: correction_decide(
                correction_id=correction.pk, approve=approve, reason=reason, actor=actor
            ),
        )

    @admin.action(description=_("Approve: apply the correction"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[CorrectionRequest]) -> Any:
        return self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject (with a reason)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[CorrectionRequest]) -> Any:
        return self._decide(request, queryset, approve=False)


@admin.register(BreachNotification)
class BreachNotificationAdmin(admin.ModelAdmin[BreachNotification]):
    """Describe a leaked data set by wave, province or applicant ids; see who is affected; then
    notify them by email (queued through messaging; audited with counts only)."""

    list_display = ("pk", "created_at", "wave", "province", "affected_count", "notified_at", "notified_count")
    fields = ("description", "wave", "province", "applicant_ids", "subject", "body", "affected_list")
    readonly_fields = ("affected_list",)
    actions = ("notify",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.notified_at is not None:
            return (*self.fields, "notified_at", "notified_count")
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: BreachNotification, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = Actor.for_request(request).person
        super().save_model(request, obj, form, change)

    @admin.display(description=_("people affected"))
    def affected_count(self, obj: BreachNotification) -> int:
        return breach_affected(notification=obj).count()

    @admin.display(description=_("people affected (first 100)"))
    def affected_list(self, obj: BreachNotification) -> str:
        if obj.pk is None:
            return "—"
        people = breach_affected(notification=obj).select_related("user")
        rows = format_html_join("", "<li>#{} {}</li>", ((p.pk, p.full_name or "—") for p in people[:100]))
        return format_html("<p>{}</p><ul>{}</ul>", people.count(), rows)

    def has_notify_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.notify_breach")

    @admin.action(description=_("Notify the people affected by email"), permissions=["notify"])
    def notify(self, request: HttpRequest, queryset: QuerySet[BreachNotification]) -> None:
        for notification in queryset:
            with domain_errors_reported(self, request, about=notification) as outcome:
                count = breach_notify(notification_id=notification.pk, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("%(count)s people are being notified.") % {"count": count})
