"""Finance's payout policy: read-only in force; a new threshold is proposed here and takes effect
once a different finance user approves it (applicants.services.payout_policy)."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from applicants.errors import ApplicantError
from applicants.models import PayoutPolicyChange, PolicyChangeStatus
from applicants.services.payout_policy import (
    payout_policy_change_approve,
    payout_policy_change_propose,
    payout_policy_change_reject,
)
from prakerja.accounts.models import User


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
            actor=cast(User, request.user), approval_threshold=form.cleaned_data["approval_threshold"]
        )
        obj.pk = proposed.pk
        obj._state.adding = False
        self.message_user(request, _("Proposed. It takes effect once another finance user approves it."))

    def _decide(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange], decide: Any) -> None:
        for change in queryset:
            try:
                decide(change=change, actor=cast(User, request.user))
            except ApplicantError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("Decided: %(change)s.") % {"change": change})

    @admin.action(description=_("Approve (puts the threshold in force)"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange]) -> None:
        self._decide(request, queryset, payout_policy_change_approve)

    @admin.action(description=_("Reject"), permissions=["approve"])
    def reject(self, request: HttpRequest, queryset: QuerySet[PayoutPolicyChange]) -> None:
        self._decide(request, queryset, payout_policy_change_reject)
