from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from courses.admin_ownership import InstitutionOwnerInline, OwnerStakeFormSet
from courses.hooks import institution_ownership_changed_tell
from courses.models import (
    Category,
    Course,
    CourseReview,
    CourseSession,
    InstitutionOwner,
    IntegrationCall,
    Schedule,
    Trainer,
    TrainingInstitution,
)
from courses.models.institutions import InstitutionSigningKey
from courses.services.curation import (
    course_approve,
    course_reject,
    course_retire,
    course_review_start,
    course_revision_diff,
)
from courses.services.institutions import (
    institution_create,
    institution_redirect_hosts_set,
    signing_key_issue,
    signing_keys_revoke,
)
from courses.services.ownership import institution_owners_apply
from prakerja.core.actor import Actor
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, secret_shown_once


class ReasonsForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))


class ScheduleInline(admin.TabularInline[Schedule, Course]):
    model = Schedule
    extra = 0


class CourseSessionInline(admin.TabularInline[CourseSession, Course]):
    """The session plan: one row per planned session, numbered 1 to the planned number;
    curation refuses a course whose rows and number disagree."""

    model = CourseSession
    extra = 0
    fields = ("sequence", "title", "practice_task_required")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    """The curators' queue: filter by status, open a course (revisions show their diff), act."""

    list_display = ("code", "title", "institution", "method", "price", "status", "revision_of", "submitted_at")
    list_filter = ("status", "method", "category", ("revision_of", admin.EmptyFieldListFilter))
    search_fields = ("code", "title", "institution__brand")
    list_select_related = ("institution", "revision_of")
    raw_id_fields = ("revision_of", "province", "regency")
    filter_horizontal = ("trainers",)
    readonly_fields = (
        "status",
        "decision_reasons",
        "submitted_at",
        "decided_at",
        "rating_average",
        "rating_count",
        "revision_diff",
    )
    exclude = ("search_vector",)
    inlines = (CourseSessionInline, ScheduleInline)
    actions = ("start_review", "approve", "reject", "retire")
    show_full_result_count = False

    @admin.display(description=_("Changes in this revision"))
    def revision_diff(self, obj: Course) -> SafeString | str:
        changes = course_revision_diff(revision=obj)
        if not changes:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><del>{}</del></td><td><ins>{}</ins></td></tr>",
            ((f, a, b) for f, (a, b) in changes.items()),
        )
        return format_html("<table>{}</table>", rows)

    def _run(self, request: HttpRequest, queryset: QuerySet[Course], action: Any, **kwargs: Any) -> int:
        done = 0
        for course in queryset:
            with domain_errors_reported(self, request, about=course.code) as outcome:
                action(course=course, **kwargs)
            done += outcome.ok
        return done

    def _with_reasons(
        self, request: HttpRequest, queryset: QuerySet[Course], title: str, action: Any
    ) -> HttpResponse | None:
        form = ReasonsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = self._run(
                request, queryset, action, actor=Actor.for_request(request), reasons=form.cleaned_data["reasons"]
            )
            self.message_user(request, _("%(count)d course(s) updated.") % {"count": done})
            return None
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "queryset": queryset,
            "title": title,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
        }
        return render(request, "admin/action_with_reason.html", context)

    @admin.action(description=_("Start review"), permissions=["change"])
    def start_review(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        done = self._run(request, queryset, course_review_start, actor=Actor.for_request(request))
        self.message_user(request, _("%(count)d course(s) updated.") % {"count": done})

    @admin.action(description=_("Approve"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        done = self._run(request, queryset, course_approve, actor=Actor.for_request(request))
        self.message_user(request, _("%(count)d course(s) updated.") % {"count": done})

    @admin.action(description=_("Reject (with reasons)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse | None:
        return self._with_reasons(request, queryset, str(_("Reject")), course_reject)

    @admin.action(description=_("Retire (with reasons)"), permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse | None:
        return self._with_reasons(request, queryset, str(_("Retire")), course_retire)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ISSUE_KEYS = "courses.issue_institutionsigningkey"


class SigningKeyInline(admin.TabularInline[InstitutionSigningKey, TrainingInstitution]):
    model = InstitutionSigningKey
    fields = ("key_hint", "created_at", "expires_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A credential model: only those who issue keys see even their hints.
        return request.user.has_perm(ISSUE_KEYS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(admin.ModelAdmin[TrainingInstitution]):
    list_display = ("brand", "legal_name", "client_code", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("brand", "legal_name", "client_code", "business_number")
    readonly_fields = ("client_code", "status")
    inlines = (InstitutionOwnerInline, SigningKeyInline)
    actions = ("issue_signing_key", "revoke_signing_keys")

    def has_issue_keys_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ISSUE_KEYS)

    # Partner managers record owners (they onboard the partners and know the groups behind
    # them) without holding the institution itself: the page opens for them with the
    # institution's own fields read-only.
    def _may_change_institution(self, request: HttpRequest) -> bool:
        return super().has_change_permission(request)

    def _may_change_owners(self, request: HttpRequest) -> bool:
        return any(
            request.user.has_perm(f"courses.{action}_institutionowner") for action in ("add", "change", "delete")
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) or (obj is not None and self._may_change_owners(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self._may_change_institution(request):
            return [f.name for f in self.model._meta.fields if f.editable and f.name != "id"] + list(
                self.readonly_fields
            )
        return self.readonly_fields

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not InstitutionOwner or not isinstance(formset, OwnerStakeFormSet):
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # the change message's lists; the service writes
        writes, removals = formset.stake_changes()
        if writes or removals:
            institution_owners_apply(
                institution=form.instance,
                writes=writes,
                removals=[r for r in removals if isinstance(r, InstitutionOwner)],
                actor=Actor.for_request(request),
            )

    def save_model(self, request: HttpRequest, obj: TrainingInstitution, form: Any, change: bool) -> None:
        if change and not self._may_change_institution(request):
            return  # only the owners inline was editable
        if change:
            hosts = obj.attendance_redirect_hosts
            hosts_changed = "attendance_redirect_hosts" in form.changed_data
            if hosts_changed:  # set (and audited) by the service below
                obj.attendance_redirect_hosts = form.initial.get("attendance_redirect_hosts") or []
            super().save_model(request, obj, form, change)
            if hosts_changed:
                institution_redirect_hosts_set(institution=obj, hosts=hosts, actor=Actor.for_request(request))
            if "business_number" in form.changed_data:
                # The institution's own NIB: a platform recording it as an owner is affiliated.
                institution_ownership_changed_tell(obj.pk, actor=Actor.for_request(request))
            return
        # A new institution gets its client code from the service, and its first sign key
        # (shown here once) only when the person registering it may issue keys.
        may_issue = self.has_issue_keys_permission(request)
        created, key = institution_create(
            legal_name=obj.legal_name,
            brand=obj.brand,
            business_number=obj.business_number,
            licence_number=obj.licence_number,
            contact_email=obj.contact_email,
            actor=Actor.for_request(request),
            issue_key=may_issue,
        )
        obj.pk, obj.client_code, obj.status, obj.created_at = (
            created.pk,
            created.client_code,
            created.status,
            created.created_at,
        )
        obj._state.adding = False
        if key is None:
            self.message_user(
                request,
                _("Client code %(code)s. A PMO administrator issues its signing key.") % {"code": created.client_code},
                messages.INFO,
            )
            return
        secret_shown_once(
            self,
            request,
            about=_("Client code %(code)s") % {"code": created.client_code},
            secrets=[("signing key", key)],
        )

    @admin.action(description=_("Revoke every signing key now (compromised)"), permissions=["issue_keys"])
    def revoke_signing_keys(self, request: HttpRequest, queryset: QuerySet[TrainingInstitution]) -> None:
        count = sum(
            signing_keys_revoke(institution=institution, actor=Actor.for_request(request)) for institution in queryset
        )
        self.message_user(request, _("%(count)d signing key(s) revoked; issue a new one.") % {"count": count})

    @admin.action(description=_("Issue a new signing key (old ones work 7 more days)"), permissions=["issue_keys"])
    def issue_signing_key(self, request: HttpRequest, queryset: QuerySet[TrainingInstitution]) -> None:
        for institution in queryset:
            key = signing_key_issue(institution=institution, actor=Actor.for_request(request))
            about = f"{institution.brand} ({institution.client_code})"
            secret_shown_once(self, request, about=about, secrets=[("new signing key", key)])


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Trainer)
class TrainerAdmin(admin.ModelAdmin[Trainer]):
    list_display = ("name", "institution")
    search_fields = ("name",)
    list_select_related = ("institution",)


@admin.register(IntegrationCall)
class IntegrationCallAdmin(ReadOnlyAdmin):
    """Every call of the integration protocol, per institution (no secrets are stored); calls
    nobody authenticated, one row per client address and answer a minute."""

    list_display = ("created_at", "institution", "client_address", "endpoint", "redeem_code", "http_status", "success")
    list_filter = ("success", "endpoint", "institution")
    list_select_related = ("institution",)
    search_fields = ("=redeem_code", "client_code")
    show_full_result_count = False


@admin.register(CourseReview)
class CourseReviewAdmin(ReadOnlyAdmin):
    """Participants' reviews (read-only): the evaluation's average rating drills down here."""

    list_display = ("created_at", "course", "rating", "author_name", "platform_id")
    list_filter = ("rating",)
    list_select_related = ("course",)
    search_fields = ("=course__code",)
    show_full_result_count = False


from courses import admin_face_check  # noqa: E402, F401  (the session face checks' queue)
