"""The complaint desk: the queue (filters for status, category, overdue, mine, unassigned), a
complaint's page with its thread and the desk's actions (take it, reply, resolve, escalate),
every action through the service (audited, the applicant told). The evaluation's complaint
figures drill down here."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.complaints.selectors import complaint_attachment_url
from applicants.complaints.services import complaint_assign, complaint_escalate, complaint_reply
from applicants.models import Complaint, ComplaintStatus
from prakerja.accounts.models import User
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported
from prakerja.core.admin_exports import CsvExportMixin


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("service level")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", gettext_lazy("Overdue")), ("on_time", gettext_lazy("Within target"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        unresolved = queryset.exclude(status=ComplaintStatus.RESOLVED)
        if self.value() == "overdue":
            return unresolved.filter(due_at__lt=timezone.now())
        if self.value() == "on_time":
            return unresolved.filter(due_at__gte=timezone.now())
        return queryset


class HandlerFilter(admin.SimpleListFilter):
    title = gettext_lazy("handled by")
    parameter_name = "handler"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", gettext_lazy("Me")), ("nobody", gettext_lazy("Nobody yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(CsvExportMixin, admin.ModelAdmin[Complaint]):
    export_columns = (
        ("id", "id"),
        ("filed_at", "created_at"),
        ("category", "category"),
        ("status", "status"),
        ("subject", "subject"),
        ("platform_id", "platform_id"),
        ("purchase", "purchase_ref"),
        ("payout", "payout_id"),
        ("handled_by", "assigned_to__email"),
        ("due_at", "due_at"),
        ("first_reply_at", "first_reply_at"),
        ("escalated_at", "escalated_at"),
        ("resolved_at", "resolved_at"),
    )
    export_filename = "pengaduan.csv"
    list_display = (
        "id",
        "created_at",
        "category",
        "subject",
        "status",
        "assigned_to",
        "due_at",
        "overdue",
    )
    list_filter = ("status", "category", OverdueFilter, HandlerFilter)
    list_select_related = ("assigned_to",)
    search_fields = ("=id", "subject", "purchase_ref")
    search_help_text = gettext_lazy("A complaint number, words of its subject, or a purchase reference.")
    show_full_result_count = False
    ordering = ("due_at",)
    list_per_page = 50
    actions = ("take",)
    change_form_template = "admin/applicants/complaint/change_form.html"
    readonly_fields = (
        "applicant_link",
        "category",
        "subject",
        "body",
        "attachment_link",
        "platform_id",
        "purchase_ref",
        "payout",
        "status",
        "assigned_to",
        "created_at",
        "due_at",
        "first_reply_at",
        "escalated_at",
        "resolved_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applicants file complaints; staff answer them

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj: Complaint) -> bool:
        return obj.status != ComplaintStatus.RESOLVED and obj.due_at is not None and obj.due_at < timezone.now()

    @admin.display(description=gettext_lazy("applicant"))
    def applicant_link(self, obj: Complaint) -> str:
        url = reverse("admin:applicants_applicant_change", args=[obj.applicant_id])
        return format_html('<a href="{}">{}</a>', url, obj.applicant)

    @admin.display(description=gettext_lazy("attachment (photo)"))
    def attachment_link(self, obj: Complaint) -> str:
        if not obj.attachment:
            return "—"
        return format_html('<a href="{}">{}</a>', complaint_attachment_url(complaint=obj), _("Open"))

    @admin.action(description=gettext_lazy("Take the chosen complaints (assign to me)"), permissions=["change"])
    def take(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        taken = 0
        actor = Actor.for_request(request)
        for complaint in queryset.exclude(status=ComplaintStatus.RESOLVED):
            complaint_assign(complaint=complaint, assignee=actor.person, actor=actor)
            taken += 1
        self.message_user(request, _("%(n)s complaints are now yours.") % {"n": taken}, messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:pk>/work/", self.admin_site.admin_view(self.work_view), name="applicants_complaint_work"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        complaint = self.get_object(request, object_id)
        extra = {
            **(extra_context or {}),
            "thread": complaint.messages.select_related("author").order_by("created_at", "id") if complaint else [],
            "can_work": complaint is not None
            and complaint.status != ComplaintStatus.RESOLVED
            and self.has_change_permission(request, complaint),
            "handlers": User.objects.filter(is_staff=True, is_active=True).order_by("email")[:200],
            # Nothing on the form is edited: the desk acts through the buttons below it.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra)

    def work_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint = get_object_or_404(Complaint, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:applicants_complaint_change", args=[pk]))
        if not self.has_change_permission(request, complaint):
            raise PermissionDenied
        actor = Actor.for_request(request)
        action = request.POST.get("action", "")
        body = request.POST.get("body", "")
        done = ""
        with domain_errors_reported(self, request) as outcome:
            if action == "take":
                complaint_assign(complaint=complaint, assignee=actor.person, actor=actor)
                done = _("The complaint is yours.")
            elif action == "assign":
                assignee = get_object_or_404(User, pk=request.POST.get("assignee") or 0, is_staff=True)
                complaint_assign(complaint=complaint, assignee=assignee, actor=actor)
                done = _("Assigned to %(email)s.") % {"email": assignee.email}
            elif action in ("reply", "resolve"):
                complaint_reply(complaint=complaint, actor=actor, body=body, resolve=action == "resolve")
                done = _("Resolved; the applicant is told.") if action == "resolve" else _("Sent to the applicant.")
            elif action == "escalate":
                complaint_escalate(complaint=complaint, actor=actor, reason=body)
                done = _("Escalated to the PMO administrators.")
        if outcome.ok and done:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:applicants_complaint_change", args=[pk]))
