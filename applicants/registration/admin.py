"""Admin screens of registration: applicants (review, NIK search, identifiers revealed to those
allowed), basic-test questions and attempts, provinces and regencies."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant, Province, Question, Regency, ReviewStatus, TestAttempt
from applicants.registration.admin_nik import NikLookupMixin, looks_like_nik
from applicants.registration.selectors import ktp_photo_url
from applicants.registration.services.review import applicant_identifiers_reveal, applicant_review
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported
from prakerja.core.admin_exports import CsvExportMixin


class ReviewForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Applicant)
class ApplicantAdmin(NikLookupMixin, CsvExportMixin, admin.ModelAdmin[Applicant]):
    nik_path = "nik_index"
    nik_parent_template = "admin/export_change_list.html"
    # Masked identifiers only; no names, emails, phones or addresses leave in an export.
    export_columns = (
        ("id", "id"),
        ("registered_at", "created_at"),
        ("step", "step"),
        ("nik_masked", "nik_masked"),
        ("province", "province__name"),
        ("regency", "regency__name"),
        ("gender", "gender"),
        ("birth_year", "nik_birth_date__year"),
        ("education", "education"),
        ("employment_status", "employment_status"),
        ("email_verified_at", "email_verified_at"),
        ("identity_completed_at", "identity_completed_at"),
        ("basic_test_completed_at", "basic_test_completed_at"),
        ("review_status", "review_status"),
    )
    export_filename = "pendaftar.csv"

    def export_queryset(self, request: HttpRequest) -> QuerySet[Applicant]:
        # An analysis export: people who restricted the processing of their data are left out.
        return super().export_queryset(request).filter(processing_restricted_at__isnull=True)

    list_display = ("email", "full_name", "nik_masked", "step", "province", "flag_birth_date_mismatch", "review_status")
    list_filter = ("step", "review_status", "flag_birth_date_mismatch", "nik_region_known", "province")
    search_fields = ("user__email",)
    list_select_related = ("user", "province")
    show_full_result_count = False
    readonly_fields = (
        "user",
        "step",
        "nik_masked",
        "kk_masked",
        "full_name",
        "birth_date",
        "nik_birth_date",
        "gender",
        "nik_region_known",
        "flag_birth_date_mismatch",
        "review_status",
        "review_reason",
        "reviewed_by",
        "reviewed_at",
        "phone",
        "phone_verified_at",
        "address",
        "province",
        "regency",
        "education",
        "marital_status",
        "dependants",
        "employment_status",
        "training_interests",
        "ktp_link",
        "honesty_declared_at",
        "basic_test_score",
        "email_verified_at",
        "created_at",
    )
    exclude = ("ktp_photo",)
    actions = ("clear_flags", "reject_flags")

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj: Applicant) -> str:
        return obj.user.email

    @admin.display(description=_("ID card (KTP) photo"))
    def ktp_link(self, obj: Applicant) -> str:
        if not obj.ktp_photo:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            ktp_photo_url(applicant=obj),
            _("Open photo"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Applicant], search_term: str
    ) -> tuple[QuerySet[Applicant], bool]:
        # An exact NIK is found through the POST form (admin_nik), never through this GET search.
        if looks_like_nik(search_term):
            self.nik_in_search_box(request)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("<int:pk>/reveal/", self.admin_site.admin_view(self.reveal_view), name="applicants_applicant_reveal"),
        ]
        return extra + super().get_urls()

    def reveal_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        applicant = get_object_or_404(Applicant, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:applicants_applicant_change", args=[pk]))
        with domain_errors_reported(self, request) as outcome:
            revealed = applicant_identifiers_reveal(
                applicant=applicant, actor=Actor.for_request(request), request=request
            )
        if not outcome.ok:
            return HttpResponseRedirect(reverse("admin:applicants_applicant_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "applicant": applicant,
            "revealed": revealed,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/applicants/reveal.html", context)

    def _review(
        self, request: HttpRequest, queryset: QuerySet[Applicant], decision: ReviewStatus
    ) -> HttpResponse | None:
        form = ReviewForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for applicant in queryset:
                applicant_review(
                    applicant=applicant,
                    actor=Actor.for_request(request),
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            self.message_user(request, _("%(count)d applicant(s) reviewed.") % {"count": queryset.count()})
            return None
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "queryset": queryset,
            "title": _("Clear the flag") if decision == ReviewStatus.CLEARED else _("Reject"),
            "action": request.POST.get("action"),
            "opts": self.model._meta,
        }
        return render(request, "admin/action_with_reason.html", context)

    @admin.action(description=_("Clear the flag (with a reason)"), permissions=["change"])
    def clear_flags(self, request: HttpRequest, queryset: QuerySet[Applicant]) -> HttpResponse | None:
        return self._review(request, queryset, ReviewStatus.CLEARED)

    @admin.action(description=_("Reject (with a reason)"), permissions=["change"])
    def reject_flags(self, request: HttpRequest, queryset: QuerySet[Applicant]) -> HttpResponse | None:
        return self._review(request, queryset, ReviewStatus.REJECTED)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ("text", "category", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("text",)


@admin.register(TestAttempt)
class TestAttemptAdmin(admin.ModelAdmin[TestAttempt]):
    list_display = ("applicant", "started_at", "submitted_at", "score", "max_score", "expired")
    list_select_related = ("applicant__user",)
    readonly_fields = (
        "applicant",
        "question_ids",
        "started_at",
        "deadline_at",
        "submitted_at",
        "answers",
        "score",
        "max_score",
        "expired",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin[Province]):
    list_display = ("code", "name")
    search_fields = ("name", "code")


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin[Regency]):
    list_display = ("code", "name", "province")
    list_filter = ("province",)
    search_fields = ("name", "code")
    list_select_related = ("province",)
