"""The verifiers' queue of suspected duplicates (open groups first, oldest first), each group with
its members and what they share (masked); a verifier clears a group (different people) or
confirms it (keeps one account, blocks the others), with a reason. Staff with the permission
start a pass from the queue and follow its progress on the passes' list."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applicants.duplicates.models import DuplicateGroup, DuplicateMember, DuplicateScan, GroupStatus
from applicants.duplicates.selectors import group_members
from applicants.duplicates.services.requests import duplicates_scan_request
from applicants.duplicates.services.review import PERMISSION, duplicate_group_clear, duplicate_group_confirm
from applicants.duplicates.services.scan import scan_progress
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import ReasonForm, action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, screen_path


class StatusFilter(admin.SimpleListFilter):
    """Open groups unless the verifier asks for others: the queue is what waits."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*GroupStatus.choices, ("all", _("All"))]

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or GroupStatus.OPEN) == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[DuplicateGroup]) -> QuerySet[DuplicateGroup]:
        value = self.value() or GroupStatus.OPEN
        return queryset if value == "all" else queryset.filter(status=value)


class MemberInline(admin.TabularInline[DuplicateMember, DuplicateGroup]):
    model = DuplicateMember
    extra = 0
    can_delete = False
    fields = ("applicant_link", "name", "nik", "role", "added_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DuplicateMember]:
        return super().get_queryset(request).select_related("applicant")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("applicant"))
    def applicant_link(self, obj: DuplicateMember) -> str:
        url = reverse("admin:applicants_applicant_change", args=[obj.applicant_id])
        return format_html('<a href="{}">#{}</a>', url, obj.applicant_id)

    @admin.display(description=_("name"))
    def name(self, obj: DuplicateMember) -> str:
        return obj.applicant.full_name

    @admin.display(description=_("NIK"))
    def nik(self, obj: DuplicateMember) -> str:
        return obj.applicant.nik_masked


class ConfirmForm(forms.Form):
    keep = forms.TypedChoiceField(label=_("Account to keep"), coerce=int, widget=forms.RadioSelect)
    reason = ReasonForm.base_fields["reason"]

    def __init__(self, *args: Any, members: list[DuplicateMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.fields["keep"]
        assert isinstance(keep, forms.TypedChoiceField)
        keep.choices = [
            (m.applicant_id, f"#{m.applicant_id} · {m.applicant.full_name} · {m.applicant.nik_masked}") for m in members
        ]


@admin.register(DuplicateGroup)
class DuplicateGroupAdmin(ReadOnlyAdmin):
    list_display = ("pk", "signal", "hint", "member_count", "status", "found_at", "reopened_at")
    list_filter = (StatusFilter, "signal")
    ordering = ("found_at", "pk")
    show_full_result_count = False
    fields = (
        "signal",
        "hint",
        "status",
        "member_count",
        "found_at",
        "last_seen_at",
        "reopened_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    readonly_fields = fields
    inlines = (MemberInline,)
    actions = ("clear",)
    change_form_template = "admin/applicants/duplicategroup/change_form.html"
    change_list_template = "admin/applicants/duplicategroup/change_list.html"

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def get_urls(self) -> list[URLPattern]:
        return [
            screen_path(self, "<int:pk>/clear/", self.clear_view, "clear"),
            screen_path(self, "<int:pk>/confirm/", self.confirm_view, "confirm"),
            screen_path(self, "scan/", self.scan_view, "scan"),
            *super().get_urls(),
        ]

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra = {"can_decide": self.has_decide_permission(request), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {"can_scan": request.user.has_perm("applicants.run_duplicatescan"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.action(description=_("Clear: different people (with a reason)"), permissions=["decide"])
    def clear(self, request: HttpRequest, queryset: QuerySet[DuplicateGroup]) -> Any:
        form = action_form_or_page(request, self, queryset, title=str(_("Clear the groups")))
        if isinstance(form, HttpResponse):
            return form
        for group in queryset.filter(status=GroupStatus.OPEN):
            with domain_errors_reported(self, request, about=group):
                duplicate_group_clear(group=group, reason=form.cleaned_data["reason"], actor=Actor.for_request(request))
        return None

    def clear_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_decide_permission(request):
            return HttpResponse(status=403)
        group = get_object_or_404(DuplicateGroup, pk=pk)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with domain_errors_reported(self, request, about=group, form=form) as outcome:
                duplicate_group_clear(group=group, reason=form.cleaned_data["reason"], actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("The group was cleared; its holds were released."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:applicants_duplicategroup_change", args=[group.pk]))
        return self._decision_page(request, group, form, _("Clear the group: different people"))

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_decide_permission(request):
            return HttpResponse(status=403)
        group = get_object_or_404(DuplicateGroup, pk=pk)
        form = ConfirmForm(request.POST or None, members=group_members(group))
        if request.method == "POST" and form.is_valid():
            with domain_errors_reported(self, request, about=group, form=form, fallback="keep") as outcome:
                duplicate_group_confirm(
                    group=group,
                    keep_applicant_id=form.cleaned_data["keep"],
                    reason=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
            if outcome.ok:
                self.message_user(request, _("Duplicate confirmed: the other accounts are blocked."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:applicants_duplicategroup_change", args=[group.pk]))
        return self._decision_page(request, group, form, _("Confirm the duplicate: keep one account"))

    def _decision_page(self, request: HttpRequest, group: DuplicateGroup, form: forms.Form, title: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "group": group,
            "members": group_members(group),
            "form": form,
            "opts": self.opts,
        }
        return render(request, "admin/applicants/duplicategroup/decide.html", context)

    def scan_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.has_perm("applicants.run_duplicatescan"):
            return HttpResponse(status=403 if request.method == "POST" else 405)
        with domain_errors_reported(self, request, about=_("Duplicate pass")) as outcome:
            scan = duplicates_scan_request(actor=Actor.for_request(request))
        if outcome.ok:
            self.message_user(request, _("The pass was queued; follow it on the passes' list."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:applicants_duplicatescan_change", args=[scan.pk]))
        return HttpResponseRedirect(reverse("admin:applicants_duplicategroup_changelist"))


@admin.register(DuplicateScan)
class DuplicateScanAdmin(ReadOnlyAdmin):
    list_display = ("pk", "trigger", "status", "progress", "started_at", "finished_at")
    list_filter = ("status",)
    fields = ("trigger", "status", "progress", "figures", "started_at", "finished_at", "requested_by")
    readonly_fields = fields
    change_form_template = "admin/applicants/duplicatescan/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return [screen_path(self, "<int:pk>/progress/", self.progress_view, "progress"), *super().get_urls()]

    @admin.display(description=_("progress"))
    def progress(self, obj: DuplicateScan) -> str:
        data = scan_progress(obj)
        url = reverse("admin:applicants_duplicatescan_progress", args=[obj.pk])
        return format_html(
            '<span data-progress-url="{}" data-status="{}">{}: {} / {}</span>',
            url,
            obj.status,
            data.get("stage") or "-",
            data.get("done", 0),
            data.get("total", 0),
        )

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        if not self.has_view_permission(request):
            return JsonResponse({}, status=403)
        scan = get_object_or_404(DuplicateScan, pk=pk)
        return JsonResponse({"status": scan.status, **scan_progress(scan)})
