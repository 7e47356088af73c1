"""Finance and verifier screens for incentives: payout accounts to review, instalments, surveys
and their answers, the payout policy and its change requests (applied once a different finance
user approves them, applicants.incentives.services.payout_policy)."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from applicants.incentives.models import (
    Instalment,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutPolicy,
    PayoutPolicyChange,
    PolicyChangeStatus,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
from applicants.incentives.services.payout_accounts import payout_account_review
from applicants.incentives.services.payout_policy import (
    payout_policy_change_approve,
    payout_policy_change_propose,
    payout_policy_change_reject,
)
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "applicant", "channel", "masked", "holder_name", "match", "status", "created_at")
    list_filter = ("status", "match", "channel")
    search_fields = ("=applicant__user__email",)
    list_select_related = ("applicant",)
    readonly_fields = (
        "applicant",
        "channel",
        "masked",
        "holder_name",
        "identity_name",
        "match",
        "status",
        "created_at",
        "confirmed_at",
        "activated_at",
        "ended_at",
        "reviewed_by",
        "review_note",
    )
    exclude = ("account_number",)
    actions = ("approve_name", "reject_name")

    @admin.display(description=_("account number"))
    def masked(self, obj: PayoutAccount) -> str:
        return obj.masked_number

    @admin.display(description=_("name on the ID card"))
    def identity_name(self, obj: PayoutAccount) -> str:
        return obj.applicant.full_name

    def _review(self, request: HttpRequest, queryset: QuerySet[PayoutAccount], approve: bool) -> HttpResponse | None:
        title = str(_("Approve the account names") if approve else _("Reject the account names"))
        queryset = queryset.filter(status=PayoutAccountStatus.AWAITING_REVIEW)
        form = action_form_or_page(request, self, queryset, title=title)
        if isinstance(form, HttpResponse):
            return form
        for account in queryset:
            with domain_errors_reported(self, request, about=f"#{account.pk}"):
                payout_account_review(
                    account_id=account.pk,
                    approve=approve,
                    note=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
        return None

    @admin.action(description=_("Approve: the name is the participant's"), permissions=["review"])
    def approve_name(self, request: HttpRequest, queryset: QuerySet[PayoutAccount]) -> HttpResponse | None:
        return self._review(request, queryset, approve=True)

    @admin.action(description=_("Reject: the name is someone else's"), permissions=["review"])
    def reject_name(self, request: HttpRequest, queryset: QuerySet[PayoutAccount]) -> HttpResponse | None:
        return self._review(request, queryset, approve=False)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.review_payoutaccount")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "card", "kind", "number", "amount", "due_on", "status", "held_reason")
    list_filter = ("status", "kind")
    search_fields = ("=card__number",)
    list_select_related = ("card",)
    show_full_result_count = False


@admin.register(PayoutPolicy)
class PayoutPolicyAdmin(ReadOnlyAdmin):
    """The threshold in force; it changes only through an approved PayoutPolicyChange."""

    list_display = ("__str__", "approval_threshold", "updated_at")
    readonly_fields = ("approval_threshold", "updated_at")


class SurveyQuestionInline(admin.TabularInline[SurveyQuestion, Survey]):
    model = SurveyQuestion
    extra = 1


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    list_display = ("number", "title")
    inlines = (SurveyQuestionInline,)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("id", "survey", "card", "submitted_at")
    list_filter = ("survey",)
    readonly_fields = ("survey", "card", "answers", "submitted_at")


class ProposeForm(forms.ModelForm[PayoutPolicyChange]):
    class Meta:
        model = PayoutPolicyChange
        fields = ("approval_threshold",)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if PayoutPolicyChange.objects.filter(status=PolicyChangeStatus.PENDING).exists():
            raise forms.ValidationError(
                _("Another change of the policy is waiting for approval; decide that one first.")
            )
        return data


@admin.register(PayoutPolicyChange)
class PayoutPolicyChangeAdmin(admin.ModelAdmin[PayoutPolicyChange]):
    form = ProposeForm
    list_display = ("__str__", "previous_threshold", "status", "proposed_by", "proposed_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("proposed_by", "decided_by")
    actions = ("approve", "reject")
    readonly_fields = ("previous_threshold", "status", "proposed_by", "proposed_at", "decided_by", "decided_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("approval_threshold", *self.readonly_fields) if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("approval_threshold", *self.readonly_fields) if obj is not None else ("approval_threshold",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.approve_payoutpolicychange")

    def save_model(self, request: HttpRequest, obj: PayoutPolicyChange, form: Any, change: bool) -> None:
        proposed = payout_policy_change_propose(
            actor=Actor.for_request(request), approval_threshold=form.cleaned_data["approval_threshold"]
        )
        obj.pk = proposed.pk
        obj._state.adding = False
        self.message_user(request, _("Proposed. It takes effect once another finance user approves it."))

    def _decide(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange], decide: Any) -> None:
        for change in queryset:
            with domain_errors_reported(self, request) as outcome:
                decide(change=change, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("Decided: %(change)s.") % {"change": change})

    @admin.action(description=_("Approve (puts the threshold in force)"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange]) -> None:
        self._decide(request, queryset, payout_policy_change_approve)

    @admin.action(description=_("Reject"), permissions=["approve"])
    def reject(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange]) -> None:
        self._decide(request, queryset, payout_policy_change_reject)
