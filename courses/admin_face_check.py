"""The verifiers' queue of session face checks: repeated failures and faces that match another
participant (possible "joki"), with the live frame beside the verified selfie (and the other
participant's); cleared or confirmed with a note (courses.services.face_check.face_check_decide,
audited)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applicants.models import VERIFIED_STATUSES, IdentityVerification
from applicants.verification.selectors import selfie_url
from courses.models import AttendanceFaceCheck, FaceCheckReview
from courses.services.face_check import face_check_decide
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import domain_errors_reported, screen_path
from prakerja.core.crypto import decrypt_bytes


def _selfie_img(applicant_id: int | None) -> str:
    if applicant_id is None:
        return ""
    verification = (
        IdentityVerification.objects.filter(applicant_id=applicant_id, status__in=VERIFIED_STATUSES)
        .exclude(selfie="")
        .order_by("-created_at")
        .first()
    )
    if verification is None:
        return str(_("(no verified selfie)"))
    return format_html('<img src="{}" alt="" style="max-width:280px">', selfie_url(verification=verification))


@admin.register(AttendanceFaceCheck)
class AttendanceFaceCheckAdmin(admin.ModelAdmin[AttendanceFaceCheck]):
    list_display = ("created_at", "applicant", "outcome", "reason", "score", "review_status", "review_reason")
    list_filter = ("review_status", "review_reason", "outcome")
    list_select_related = ("applicant",)
    show_full_result_count = False
    ordering = ("-created_at",)
    fields = (
        "photos",
        "applicant",
        "matched_applicant",
        "outcome",
        "reason",
        "score",
        "review_status",
        "review_reason",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields
    actions = ("clear", "confirm")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [screen_path(self, "<int:pk>/frame/", self.frame_view, "frame"), *super().get_urls()]

    def frame_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        check = get_object_or_404(AttendanceFaceCheck, pk=pk)
        if not check.frame:
            raise Http404
        with check.frame.open("rb") as stored:
            response = HttpResponse(decrypt_bytes(stored.read()), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.display(description=_("photos"))
    def photos(self, obj: AttendanceFaceCheck) -> str:
        live = (
            format_html(
                '<img src="{}" alt="" style="max-width:280px">',
                reverse("admin:courses_attendancefacecheck_frame", args=[obj.pk]),
            )
            if obj.frame
            else _("(not kept)")
        )
        other = (
            format_html(
                "<figure>{}<figcaption>{}</figcaption></figure>",
                _selfie_img(obj.matched_applicant_id),
                _("Verified selfie of the other participant"),
            )
            if obj.matched_applicant_id
            else ""
        )
        return format_html(
            '<div class="photo-pair" style="display:flex;gap:1rem;flex-wrap:wrap">'
            "<figure>{}<figcaption>{}</figcaption></figure><figure>{}<figcaption>{}</figcaption></figure>{}</div>",
            live,
            _("At the session"),
            _selfie_img(obj.applicant_id),
            _("Verified selfie"),
            other,
        )

    def _decide(self, request: HttpRequest, queryset: QuerySet[AttendanceFaceCheck], attended: bool) -> Any:
        title = _("Clear: the participant attended") if attended else _("Confirm: someone else attended")
        form = action_form_or_page(request, self, queryset, title=str(title))
        if isinstance(form, HttpResponse):
            return form
        for check in queryset.filter(review_status=FaceCheckReview.PENDING):
            with domain_errors_reported(self, request, about=check):
                face_check_decide(
                    check=check, attended=attended, note=form.cleaned_data["reason"], actor=Actor.for_request(request)
                )
        return None

    @admin.action(description=_("Clear: the participant attended"), permissions=["change"])
    def clear(self, request: HttpRequest, queryset: QuerySet[AttendanceFaceCheck]) -> Any:
        return self._decide(request, queryset, attended=True)

    @admin.action(description=_("Confirm: someone else attended (joki)"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[AttendanceFaceCheck]) -> Any:
        return self._decide(request, queryset, attended=False)
