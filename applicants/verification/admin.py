"""The verifiers' queue of identity verifications that differ from the civil registry: both
photos side by side (the selfie and the KTP photo), the registry's answers per field, approve or
reject with a reason (applicants.verification.services.identity_review_decide, audited). And the
PMO's screen of the rollout to applicants registered before the selfie journey."""

from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applicants.models import (
    IdentityVerification,
    ReviewReason,
    RolloutStatus,
    VerificationRollout,
    VerificationStatus,
)
from applicants.registration.selectors import ktp_photo_url
from applicants.verification.rollout import verification_rollout_resume, verification_rollout_start
from applicants.verification.selectors import rollout_progress, selfie_url
from applicants.verification.services import identity_review_decide
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, screen_path

FIELD_NAMES = {
    "nik": _("NIK"),
    "full_name": _("full name"),
    "birth_date": _("birth date"),
    "birth_place": _("birth place"),
}


class QueuePaginator(Paginator):
    """Counts at most `cap` rows: a queue of 100,000 is worked oldest first, and
    counting all of it on every page costs more than showing the page (docs/benchmarks.md)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return int(self.object_list[: self.cap].count())  # type: ignore[attr-defined]


class StatusFilter(admin.SimpleListFilter):
    """The queue by default: only verifications waiting for a verifier."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [*VerificationStatus.choices, ("all", _("All"))]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or VerificationStatus.REVIEW
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or VerificationStatus.REVIEW
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(admin.ModelAdmin[IdentityVerification]):
    list_display = ("created_at", "applicant_name", "nik", "status", "reasons", "face_score", "source")
    list_filter = (StatusFilter, "source")
    list_select_related = ("applicant",)
    list_per_page = 50
    paginator = QueuePaginator
    # A queue of 100,000 is not counted on every page (docs/benchmarks.md).
    show_full_result_count = False
    # Oldest first; the id makes the order total, so the queue's partial index (created_at, id)
    # serves it without sorting the whole queue (the admin would add "-pk" otherwise).
    ordering = ("created_at", "id")
    fields = (
        "photos",
        "applicant",
        "status",
        "reasons",
        "data_answers",
        "face_score",
        "face_problem",
        "live",
        "liveness_reason",
        "source",
        "reference",
        "provider_references",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields
    actions = ("approve", "reject")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[IdentityVerification]:
        return super().get_queryset(request).select_related("applicant")

    @admin.display(description=_("applicant"), ordering="applicant__full_name")
    def applicant_name(self, obj: IdentityVerification) -> str:
        return obj.applicant.full_name

    @admin.display(description=_("NIK"))
    def nik(self, obj: IdentityVerification) -> str:
        return obj.applicant.nik_masked

    @admin.display(description=_("why"))
    def reasons(self, obj: IdentityVerification) -> str:
        return ", ".join(str(ReviewReason(r).label) for r in obj.review_reasons if r in ReviewReason.values)

    @admin.display(description=_("the civil registry's answers"))
    def data_answers(self, obj: IdentityVerification) -> str:
        if not obj.data_match.get("found"):
            return str(_("NIK not found in the civil registry"))
        rows = (
            (
                FIELD_NAMES.get(name, name),
                _("match") if answer.get("matched") else _("DIFFERS"),
                f" ({answer['score']})" if answer.get("score") is not None else "",
            )
            for name, answer in obj.data_match.get("fields", {}).items()
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: <strong>{}</strong>{}</li>", rows))

    @admin.display(description=_("photos"))
    def photos(self, obj: IdentityVerification) -> str:
        selfie = (
            format_html('<img src="{}" alt="" style="max-width:320px">', selfie_url(verification=obj))
            if obj.selfie
            else _("(not kept)")
        )
        ktp = (
            format_html('<img src="{}" alt="" style="max-width:320px">', ktp_photo_url(applicant=obj.applicant))
            if obj.applicant.ktp_photo
            else _("(no KTP photo yet)")
        )
        return format_html(
            '<div class="photo-pair" style="display:flex;gap:1rem;flex-wrap:wrap">'
            "<figure>{}<figcaption>{}</figcaption></figure><figure>{}<figcaption>{}</figcaption></figure></div>",
            selfie,
            _("Selfie"),
            ktp,
            _("KTP photo"),
        )

    def _decide(self, request: HttpRequest, queryset: QuerySet[IdentityVerification], approve: bool) -> Any:
        title = _("Approve: the identity is verified") if approve else _("Reject the verification")
        form = action_form_or_page(request, self, queryset, title=str(title))
        if isinstance(form, HttpResponse):
            return form
        for verification in queryset.filter(status=VerificationStatus.REVIEW):
            with domain_errors_reported(self, request, about=verification):
                identity_review_decide(
                    verification=verification,
                    approve=approve,
                    note=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
        return None

    @admin.action(description=_("Approve: same person, data correct"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[IdentityVerification]) -> Any:
        return self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject (with a reason the applicant reads)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[IdentityVerification]) -> Any:
        return self._decide(request, queryset, approve=False)


ROLLOUT_PERMISSION = "applicants.run_verificationrollout"


@admin.register(VerificationRollout)
class VerificationRolloutAdmin(ReadOnlyAdmin):
    """The rollout to applicants registered before the selfie journey: where the people asked
    are now (counts), each pass's progress, and Start / Resume for staff with
    `run_verificationrollout` (audited by the services)."""

    list_display = ("pk", "trigger", "status", "progress", "requested", "reminded", "emails", "sms", "started_at")
    list_filter = ("status",)
    fields = (
        "trigger",
        "status",
        "requested_by",
        "progress",
        "requested",
        "reminded",
        "emails",
        "sms",
        "batches",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    change_list_template = "admin/applicants/verificationrollout/change_list.html"
    change_form_template = "admin/applicants/verificationrollout/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            screen_path(self, "start/", self.start_view, "start"),
            screen_path(self, "<int:pk>/resume/", self.resume_view, "resume"),
            *super().get_urls(),
        ]

    @admin.display(description=_("progress"))
    def progress(self, obj: VerificationRollout) -> str:
        total = obj.until_applicant_id or 0
        share = 100 if obj.status == RolloutStatus.DONE or not total else min(100, 100 * obj.last_applicant_id // total)
        return format_html("{}%", share)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {
            "can_start": request.user.has_perm(ROLLOUT_PERMISSION),
            "progress": rollout_progress(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra = {"can_start": request.user.has_perm(ROLLOUT_PERMISSION), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra)

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.has_perm(ROLLOUT_PERMISSION):
            return HttpResponse(status=403 if request.method == "POST" else 405)
        with domain_errors_reported(self, request, about=_("Identity verification rollout")) as outcome:
            rollout = verification_rollout_start(actor=Actor.for_request(request))
        if outcome.ok:
            self.message_user(request, _("The rollout was queued; its progress shows here."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:applicants_verificationrollout_change", args=[rollout.pk]))
        return HttpResponseRedirect(reverse("admin:applicants_verificationrollout_changelist"))

    def resume_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST" or not request.user.has_perm(ROLLOUT_PERMISSION):
            return HttpResponse(status=403 if request.method == "POST" else 405)
        rollout = get_object_or_404(VerificationRollout, pk=pk)
        with domain_errors_reported(self, request, about=rollout) as outcome:
            verification_rollout_resume(rollout_id=rollout.pk, actor=Actor.for_request(request))
        if outcome.ok:
            self.message_user(request, _("The rollout was queued again from its last batch."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:applicants_verificationrollout_change", args=[pk]))
