"""Finance screens for disbursement: runs with totals per state, approval by a second person,
payouts (retry, export) and the daily reconciliation."""

from collections.abc import Sequence
from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applicants.disbursement.models import DisbursementRun, Payout, PayoutStatus, Reconciliation, payout_reference
from applicants.disbursement.selectors import payouts_state_totals
from applicants.disbursement.services.reconciliation import reconciliation_make
from applicants.disbursement.services.runs import (
    disbursement_run_approve,
    disbursement_run_create,
    disbursement_run_reject,
)
from applicants.disbursement.services.sweeping import payout_retry
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported
from prakerja.core.admin_exports import CsvExportMixin
from prakerja.core.formatting import rupiah
from prakerja.payments.providers import mask_account_number


@admin.register(DisbursementRun)
class DisbursementRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "day", "status", "payout_count", "total", "created_by", "approved_by", "finished_at")
    list_filter = ("status",)
    date_hierarchy = "day"
    fields = (
        "day",
        "status",
        "payout_count",
        "total",
        "approval_threshold",
        "created_by",
        "approved_by",
        "approved_at",
        "submitted_at",
        "finished_at",
        "state_totals",
        "reconciliations_table",
    )
    readonly_fields = fields
    actions = ("approve", "reject", "reconcile")
    change_list_template = "admin/applicants/disbursementrun/change_list.html"

    @admin.display(description=_("total"))
    def total(self, obj: DisbursementRun) -> str:
        return rupiah(obj.total_amount)

    @admin.display(description=_("payouts per state"))
    def state_totals(self, obj: DisbursementRun) -> str:
        rows = payouts_state_totals(obj.pk)
        labels = dict(PayoutStatus.choices)
        body = format_html_join(
            "",
            '<tr><td><a href="{}?run__id__exact={}&status__exact={}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:applicants_payout_changelist"),
                    obj.pk,
                    r["status"],
                    labels.get(str(r["status"]), r["status"]),
                    r["count"],
                    rupiah(cast(int, r["amount"])),
                )
                for r in rows
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>", _("state"), _("payouts"), _("amount"), body
        )

    @admin.display(description=_("reconciliations"))
    def reconciliations_table(self, obj: DisbursementRun) -> str:
        rows = obj.reconciliations.order_by("-created_at")[:5]
        return (
            format_html_join(
                "",
                '<p><a href="{}">{}</a>: {} / {} · {}</p>',
                (
                    (
                        reverse("admin:applicants_reconciliation_change", args=[r.pk]),
                        r.created_at.strftime("%Y-%m-%d %H:%M"),
                        rupiah(r.ours_amount),
                        rupiah(r.theirs_amount),
                        _("%(n)s mismatches") % {"n": len(r.mismatches)},
                    )
                    for r in rows
                ),
            )
            or "—"
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="applicants_disbursementrun_start"),
            *super().get_urls(),
        ]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """Start a run now (the daily beat does the same at 06:00 WIB)."""
        if request.method != "POST" or not request.user.has_perm("applicants.add_disbursementrun"):
            return HttpResponse(status=403)
        with domain_errors_reported(self, request) as outcome:
            run = disbursement_run_create(actor=Actor.for_request(request))
        if not outcome.ok:
            return HttpResponseRedirect(reverse("admin:applicants_disbursementrun_changelist"))
        if run is None:
            self.message_user(request, _("Nothing is due for transfer."), messages.INFO)
            return HttpResponseRedirect(reverse("admin:applicants_disbursementrun_changelist"))
        self.message_user(request, _("Run %(id)s: %(status)s.") % {"id": run.pk, "status": run.get_status_display()})
        return HttpResponseRedirect(reverse("admin:applicants_disbursementrun_change", args=[run.pk]))

    @admin.action(description=_("Approve the selected runs (second finance user)"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[DisbursementRun]) -> None:
        for run in queryset:
            with domain_errors_reported(self, request, about=f"#{run.pk}") as outcome:
                disbursement_run_approve(run_id=run.pk, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("Run %(id)s approved; sending.") % {"id": run.pk})

    @admin.action(description=_("Reject the selected runs (nothing is sent)"), permissions=["approve"])
    def reject(self, request: HttpRequest, queryset: QuerySet[DisbursementRun]) -> HttpResponse | None:
        form = action_form_or_page(request, self, queryset, title=str(_("Reject runs")))
        if isinstance(form, HttpResponse):
            return form
        for run in queryset:
            with domain_errors_reported(self, request, about=f"#{run.pk}"):
                disbursement_run_reject(
                    run_id=run.pk, actor=Actor.for_request(request), reason=form.cleaned_data["reason"]
                )
        return None

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.approve_disbursementrun")

    @admin.action(description=_("Reconcile with the provider's settlement report"), permissions=["reconcile"])
    def reconcile(self, request: HttpRequest, queryset: QuerySet[DisbursementRun]) -> None:
        for run in queryset:
            with domain_errors_reported(self, request, about=f"#{run.pk}") as outcome:
                record = reconciliation_make(run_id=run.pk)
            if not outcome.ok:
                continue
            level = messages.WARNING if record.mismatches else messages.SUCCESS
            self.message_user(
                request, _("Run %(id)s: %(n)s mismatches.") % {"id": run.pk, "n": len(record.mismatches)}, level
            )

    def has_reconcile_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.add_reconciliation")


class PayoutStateFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failed", str(_("Failed"))), ("unknown", str(_("Unknown or pending")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Payout]) -> QuerySet[Payout]:
        if self.value() == "failed":
            return queryset.filter(status=PayoutStatus.FAILED)
        if self.value() == "unknown":
            return queryset.filter(status__in=[PayoutStatus.UNKNOWN, PayoutStatus.PENDING])
        return queryset


@admin.register(Payout)
class PayoutAdmin(CsvExportMixin, admin.ModelAdmin[Payout]):
    export_columns = (
        ("payout", "id"),
        ("run", "run_id"),
        ("instalment", "instalment_id"),
        ("channel", "channel"),
        ("account", "account_number"),
        ("amount", "amount"),
        ("status", "status"),
        ("code", "response_code"),
        ("reason", "failure_reason"),
    )
    export_filename = "transfer.csv"

    def export_row(self, row: tuple[Any, ...]) -> Sequence[Any]:
        # The provider's reference after the id; account numbers leave masked.
        return (row[0], payout_reference(row[0]), *row[1:4], mask_account_number(row[4]), *row[5:])

    def export_header(self) -> list[str]:
        header = super().export_header()
        return [header[0], "reference", *header[1:]]

    list_display = ("id", "reference", "run", "channel", "masked_account", "amount_shown", "status", "failure_reason")
    list_filter = (PayoutStateFilter, "status", "channel", "failure_reason")
    search_fields = ("=id", "=instalment__card__number")
    list_select_related = ("run",)
    show_full_result_count = False
    readonly_fields = (
        "run",
        "instalment",
        "payout_account",
        "channel",
        "masked_account",
        "amount_shown",
        "status",
        "response_code",
        "failure_reason",
        "created_at",
        "settled_at",
        "updated_at",
    )
    exclude = ("account_number", "amount", "account_id")
    actions = ("retry", "export_csv")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("account"))
    def masked_account(self, obj: Payout) -> str:
        return mask_account_number(obj.account_number)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj: Payout) -> str:
        return rupiah(obj.amount)

    @admin.action(
        description=_("Retry: release the failed payouts' instalments for the next run"), permissions=["change"]
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        released = 0
        for payout in queryset.filter(status=PayoutStatus.FAILED):
            payout_retry(payout_id=payout.pk, actor=Actor.for_request(request))
            released += 1
        self.message_user(request, _("%(n)s failed payouts released for the next run.") % {"n": released})

    @admin.action(description=_("Export the selected payouts as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Payout]) -> StreamingHttpResponse:
        return self.export_response(request, queryset, action="payouts.exported", filename="payouts.csv")


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "day", "ours_count", "theirs_count", "ours_amount", "theirs_amount", "mismatch_count")
    readonly_fields = ("run", "day", "ours_count", "ours_amount", "theirs_count", "theirs_amount", "mismatch_list")
    exclude = ("mismatches",)

    @admin.display(description=_("mismatches"))
    def mismatch_count(self, obj: Reconciliation) -> int:
        return len(obj.mismatches)

    @admin.display(description=_("mismatches"))
    def mismatch_list(self, obj: Reconciliation) -> str:
        return (
            format_html_join("", "<li>{}: {}</li>", ((m["reference"], m["problem"]) for m in obj.mismatches[:500]))
            or "—"
        )
