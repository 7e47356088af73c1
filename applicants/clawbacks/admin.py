"""Clawback cases in the admin: verifiers open one (card, reason, evidence; the amount defaults
to everything the participant received), finance records repayments from the bank statement,
everyone allowed lists the overdue cases for legal follow-up and exports them."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.clawbacks.services import clawback_cancel, clawback_open, clawback_repayment_record
from applicants.models import Card, Clawback, ClawbackRepayment, ClawbackStatus
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ServiceAddMixin, domain_errors_reported
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.crypto import mask_identifier
from prakerja.core.formatting import rupiah
from prakerja.core.uploads import private_file_pk, private_file_token, private_image_response


class OpenClawbackForm(forms.Form):
    card_number = forms.RegexField(label=gettext_lazy("Card number"), regex=r"^\s*\d{16}\s*$")
    reason = forms.CharField(
        label=gettext_lazy("Why the participant is ineligible"), widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (photo or scan of the document)"))
    amount = forms.IntegerField(
        label=gettext_lazy("Amount to repay (Rp)"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Leave empty for everything received: training spent and incentives paid."),
    )


class RepaymentForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Amount (Rp)"), min_value=1)
    bank_reference = forms.CharField(label=gettext_lazy("Bank reference"), max_length=64)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


class RepaymentInline(admin.TabularInline[ClawbackRepayment, Clawback]):
    model = ClawbackRepayment
    extra = 0
    can_delete = False
    fields = ("paid_on", "amount", "bank_reference", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clawback)
class ClawbackAdmin(ServiceAddMixin, CsvExportMixin, admin.ModelAdmin[Clawback]):
    list_display = ("reference", "masked_card", "status", "amount_shown", "repaid_shown", "due_on", "overdue")
    list_filter = ("status", "due_on")
    list_select_related = ("card",)
    search_fields = ("=card__number",)
    search_help_text = gettext_lazy("An exact card number.")
    show_full_result_count = False
    actions = ("record_repayment", "cancel_case")
    inlines = (RepaymentInline,)
    readonly_fields = (
        "reference",
        "masked_card",
        "nik",
        "status",
        "training_used",
        "incentives_paid",
        "amount",
        "repaid_amount",
        "reason",
        "evidence_link",
        "opened_by",
        "opened_at",
        "due_on",
        "referred_at",
        "closed_at",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
    )
    fields = readonly_fields
    export_columns = (
        ("reference", "id"),
        ("card", "card__number"),
        ("nik_masked", "applicant__nik_masked"),
        ("status", "status"),
        ("amount", "amount"),
        ("repaid", "repaid_amount"),
        ("opened_at", "opened_at"),
        ("due_on", "due_on"),
        ("referred_at", "referred_at"),
    )
    export_filename = "clawback.csv"

    def export_row(self, row: tuple[Any, ...]) -> Sequence[Any]:
        return (f"KB{row[0]:08d}", mask_identifier(row[1]), *row[2:])

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases change only through opening and recorded repayments

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("card"))
    def masked_card(self, obj: Clawback) -> str:
        return mask_identifier(obj.card.number)

    @admin.display(description="NIK")
    def nik(self, obj: Clawback) -> str:
        return obj.applicant.nik_masked

    @admin.display(description=gettext_lazy("to repay"))
    def amount_shown(self, obj: Clawback) -> str:
        return rupiah(obj.amount)

    @admin.display(description=gettext_lazy("repaid"))
    def repaid_shown(self, obj: Clawback) -> str:
        return rupiah(obj.repaid_amount)

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj: Clawback) -> bool:
        return obj.status == ClawbackStatus.OVERDUE or (
            obj.status == ClawbackStatus.OPEN and obj.due_on < timezone.localdate()
        )

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_link(self, obj: Clawback) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse(
                "admin:applicants_clawback_evidence", args=[private_file_token(kind="clawback-evidence", pk=obj.pk)]
            ),
            _("Open"),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "evidence/<str:token>/",
                self.admin_site.admin_view(self.evidence_view),
                name="applicants_clawback_evidence",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request: HttpRequest, token: str) -> FileResponse:
        clawback = get_object_or_404(Clawback, pk=private_file_pk(kind="clawback-evidence", token=token))
        if not self.has_view_permission(request, clawback):
            raise PermissionDenied
        if not clawback.evidence:
            raise Http404
        return private_image_response(clawback.evidence)

    # Opening a case is a service call, not a model form.
    add_title = gettext_lazy("Open a clawback case")
    add_template = "admin/applicants/clawback/open.html"

    def add_form(self, request: HttpRequest) -> OpenClawbackForm:
        return OpenClawbackForm(request.POST or None, request.FILES or None)

    def add_perform(self, request: HttpRequest, form: OpenClawbackForm) -> HttpResponse | None:
        data = form.cleaned_data
        card = Card.objects.select_related("applicant__user").filter(number=data["card_number"].strip()).first()
        if card is None:
            form.add_error("card_number", _("No card has this number."))
            return None
        clawback = clawback_open(
            card=card,
            reason=data["reason"],
            evidence=data["evidence"],
            amount=data.get("amount"),
            actor=Actor.for_request(request),
        )
        self.message_user(
            request,
            _("Case %(ref)s opened: %(amount)s to repay by %(due)s; the participant is told.")
            % {"ref": clawback.reference, "amount": rupiah(clawback.amount), "due": clawback.due_on},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:applicants_clawback_change", args=[clawback.pk]))

    @admin.action(description=gettext_lazy("Record a repayment (from the bank statement)"), permissions=["record"])
    def record_repayment(self, request: HttpRequest, queryset: QuerySet[Clawback]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one case."), messages.ERROR)
            return None
        form = action_form_or_page(request, self, queryset, title=_("Record a repayment"), form_class=RepaymentForm)
        if isinstance(form, HttpResponse):
            return form
        data = form.cleaned_data
        with domain_errors_reported(self, request) as outcome:
            repayment = clawback_repayment_record(
                clawback=queryset.get(),
                amount=data["amount"],
                bank_reference=data["bank_reference"],
                paid_on=data["paid_on"],
                actor=Actor.for_request(request),
            )
        if outcome.ok:
            self.message_user(
                request, _("%(amount)s recorded.") % {"amount": rupiah(repayment.amount)}, messages.SUCCESS
            )
        return None

    def has_record_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.record_clawbackrepayment")

    @admin.action(description=gettext_lazy("Cancel (opened by mistake, with a reason)"), permissions=["cancel"])
    def cancel_case(self, request: HttpRequest, queryset: QuerySet[Clawback]) -> HttpResponse | None:
        form = action_form_or_page(request, self, queryset, title=_("Cancel the clawback cases"))
        if isinstance(form, HttpResponse):
            return form
        for case in queryset:
            with domain_errors_reported(self, request, about=case) as outcome:
                clawback_cancel(clawback=case, reason=form.cleaned_data["reason"], actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(
                    request,
                    _("%(ref)s cancelled: the hold is lifted and the posting reversed.") % {"ref": case.reference},
                    messages.SUCCESS,
                )
        return None

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.cancel_clawback")
