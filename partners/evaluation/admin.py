"""PMO screens for the platforms' evaluation: scorecards (versioned), the league table per
period with charts, drill-down and CSV, each platform's trends, and the decision form."""

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.evaluation.services.evaluations import (
    evaluation_decide,
    evaluation_publish,
    evaluation_request,
    evaluation_run,
)
from partners.evaluation.services.kpis import period_bounds
from partners.models import (
    FRACTION_KPIS,
    Evaluation,
    EvaluationResult,
    EvaluationStatus,
    Kpi,
    Partner,
    Recommendation,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported
from prakerja.core.formatting import csv_download, rupiah

# --- Evaluations ------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    period = forms.CharField(label=_("Period (YYYY-MM)"), max_length=7)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Recommendation.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


def _show(kpi: str, value: Any) -> str:
    if value is None:
        return "—"
    if kpi in FRACTION_KPIS:
        return f"{value * 100:.1f}%"
    if kpi == Kpi.VALUE:
        return rupiah(value)
    if isinstance(value, float):
        return f"{value:.1f}" if kpi != Kpi.AVERAGE_RATING else f"{value:.2f}"
    return f"{value:,}".replace(",", ".")


# Every KPI, in the order `Kpi` defines them.
LEAGUE_COLUMNS = list(Kpi)

CSV_COLUMNS = [
    "rank",
    "platform",
    "score",
    "recommendation",
    "decision",
    "purchases_created",
    "purchases_paid",
    "value",
    "market_share",
    "completed",
    "completion_rate",
    "median_completion_hours",
    "reviews",
    "average_rating",
    "complaints",
    "complaints_per_1000",
    "cancelled",
    "refunded",
    "cancellation_rate",
    "api_requests",
    "api_errors",
    "api_error_rate",
    "webhooks_settled",
    "webhooks_delivered",
    "webhook_success_rate",
    "commission_over_cap",
    "listings_over_price",
    "affiliated_value",
    "affiliated_sales_share",
]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "scorecard", "platforms", "computed_at", "compute_ms", "published_at")
    list_filter = ("status",)
    change_list_template = "admin/partners/evaluation/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evaluation]:
        return super().get_queryset(request).select_related("scorecard").annotate(platform_count=Count("results"))

    @admin.display(description=_("platforms"))
    def platforms(self, obj: Evaluation) -> int:
        return cast(int, getattr(obj, "platform_count", 0))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("compute/", view(self.compute_view), name="partners_evaluation_compute"),
            path("<int:pk>/recompute/", view(self.recompute_view), name="partners_evaluation_recompute"),
            path("<int:pk>/publish/", view(self.publish_view), name="partners_evaluation_publish"),
            path("<int:pk>/csv/", view(self.csv_view), name="partners_evaluation_csv"),
            path("result/<int:pk>/decide/", view(self.decide_view), name="partners_evaluation_decide"),
            path("trend/<int:partner_id>/", view(self.trend_view), name="partners_evaluation_trend"),
            *super().get_urls(),
        ]

    def _require(self, request: HttpRequest, perm: str) -> None:
        if not request.user.has_perm(perm):
            raise PermissionDenied

    def compute_view(self, request: HttpRequest) -> HttpResponse:
        """Queue a period's (re)computation on the batch workers."""
        self._require(request, "partners.change_evaluation")
        form = PeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with domain_errors_reported(self, request, form=form) as outcome:
                label = evaluation_request(
                    period=form.cleaned_data["period"], actor=Actor.for_request(request), request=request
                )
            if outcome.ok:
                self.message_user(
                    request,
                    _("The evaluation of %(period)s is being computed; reload in a moment.") % {"period": label},
                )
                return HttpResponseRedirect(reverse("admin:partners_evaluation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Evaluate a period"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/partners/evaluation/compute.html", context)

    def recompute_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "partners.change_evaluation")
        evaluation = get_object_or_404(Evaluation, pk=pk)
        if request.method == "POST":
            with domain_errors_reported(self, request) as outcome:
                evaluation_run(period=evaluation.period, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("Draft recomputed."))
        return HttpResponseRedirect(reverse("admin:partners_evaluation_change", args=[pk]))

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "partners.publish_evaluation")
        evaluation = get_object_or_404(Evaluation, pk=pk)
        if request.method == "POST":
            with domain_errors_reported(self, request) as outcome:
                evaluation_publish(evaluation=evaluation, actor=Actor.for_request(request))
            if outcome.ok:
                self.message_user(request, _("Published: these results are now final."))
        return HttpResponseRedirect(reverse("admin:partners_evaluation_change", args=[pk]))

    def csv_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        self._require(request, "partners.view_evaluation")
        evaluation = get_object_or_404(Evaluation, pk=pk)
        results = evaluation.results.select_related("partner", "decision").order_by("rank")
        audit_record(
            actor=Actor.for_request(request),
            action="evaluation.exported",
            target=evaluation,
            payload={"period": str(evaluation)},
            request=request,
        )

        def rows() -> Any:
            yield CSV_COLUMNS
            for result in results:
                decision = getattr(result, "decision", None)
                yield [
                    result.rank,
                    result.partner.name,
                    result.score,
                    result.recommendation,
                    decision.decision if decision else "",
                    *(getattr(result, column) for column in CSV_COLUMNS[5:]),
                ]

        return csv_download(rows(), f"evaluasi-mitra-{evaluation}.csv")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require(request, "partners.view_evaluation")
        evaluation = get_object_or_404(Evaluation.objects.select_related("scorecard", "published_by"), pk=object_id)
        results = list(evaluation.results.select_related("partner", "decision__decided_by").order_by("rank"))
        start, end = period_bounds(evaluation.period)
        rows = []
        for result in results:
            cells = []
            for kpi in LEAGUE_COLUMNS:
                value = getattr(result, kpi)
                cells.append(
                    {
                        "value": _show(kpi, value),
                        "points": result.points.get(kpi),
                        "link": _drill_down(kpi, result.partner_id, start, end),
                    }
                )
            rows.append({"result": result, "cells": cells, "decision": getattr(result, "decision", None)})
        chart = {
            "labels": [r.partner.name for r in results],
            "score": [r.score for r in results],
            "share": [round(r.market_share * 100, 2) for r in results],
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Platform evaluation %(period)s") % {"period": evaluation},
            "opts": self.model._meta,
            "evaluation": evaluation,
            "columns": [Kpi(kpi).label for kpi in LEAGUE_COLUMNS],
            "rows": rows,
            "chart": chart,
            "rules": list(evaluation.scorecard.rules.all()),
            "is_draft": evaluation.status == EvaluationStatus.DRAFT,
            "can_compute": request.user.has_perm("partners.change_evaluation"),
            "can_publish": request.user.has_perm("partners.publish_evaluation"),
            "can_decide": request.user.has_perm("partners.add_evaluationdecision"),
        }
        return TemplateResponse(request, "admin/partners/evaluation/league.html", context)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "partners.add_evaluationdecision")
        result = get_object_or_404(EvaluationResult.objects.select_related("evaluation", "partner"), pk=pk)
        form = DecisionForm(request.POST or None, initial={"decision": result.recommendation})
        if request.method == "POST" and form.is_valid():
            with domain_errors_reported(self, request, form=form) as outcome:
                evaluation_decide(
                    result=result,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    actor=Actor.for_request(request),
                )
            if outcome.ok:
                self.message_user(request, _("%(partner)s: decision recorded.") % {"partner": result.partner})
                return HttpResponseRedirect(reverse("admin:partners_evaluation_change", args=[result.evaluation_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide on %(partner)s, %(period)s") % {"partner": result.partner, "period": result.evaluation},
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "points": [(Kpi(k).label, v) for k, v in result.points.items()],
        }
        return TemplateResponse(request, "admin/partners/evaluation/decide.html", context)

    def trend_view(self, request: HttpRequest, partner_id: int) -> HttpResponse:
        self._require(request, "partners.view_evaluation")
        partner = get_object_or_404(Partner, pk=partner_id)
        results = list(
            EvaluationResult.objects.filter(partner=partner).select_related("evaluation").order_by("evaluation__period")
        )

        def series(kpi: str, scale: float = 1.0) -> list[float | None]:
            values = (getattr(r, kpi) for r in results)
            return [round(v * scale, 2) if v is not None else None for v in values]

        trend = {
            "labels": [str(r.evaluation) for r in results],
            "charts": [
                {"title": str(_("Score")), "kind": "line", "series": {str(_("Score")): series("score")}},
                {
                    "title": str(Kpi.PURCHASES.label),
                    "kind": "bar",
                    "series": {str(Kpi.PURCHASES.label): series("purchases_paid")},
                },
                {
                    "title": "%",
                    "kind": "line",
                    "series": {
                        str(Kpi(k).label): series(k, 100.0)
                        for k in (
                            Kpi.COMPLETION_RATE,
                            Kpi.CANCELLATION_RATE,
                            Kpi.API_ERROR_RATE,
                            Kpi.WEBHOOK_SUCCESS_RATE,
                            Kpi.MARKET_SHARE,
                        )
                    },
                },
                {
                    "title": str(Kpi.AVERAGE_RATING.label),
                    "kind": "line",
                    "series": {str(Kpi.AVERAGE_RATING.label): series("average_rating")},
                },
                {
                    "title": str(Kpi.COMPLAINTS_PER_1000.label),
                    "kind": "line",
                    "series": {str(Kpi.COMPLAINTS_PER_1000.label): series("complaints_per_1000")},
                },
                {
                    "title": str(Kpi.MEDIAN_COMPLETION_HOURS.label),
                    "kind": "line",
                    "series": {str(Kpi.MEDIAN_COMPLETION_HOURS.label): series("median_completion_hours")},
                },
            ],
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(partner)s: performance over time") % {"partner": partner},
            "opts": self.model._meta,
            "partner": partner,
            "results": results,
            "trend": trend,
        }
        return TemplateResponse(request, "admin/partners/evaluation/trend.html", context)


def _list(name: str, query: dict[str, Any]) -> str:
    return reverse(f"admin:{name}_changelist") + "?" + urlencode(query)


def _drill_down(kpi: str, partner_id: int, start: Any, end: Any) -> str | None:
    """The admin list behind a number: the period's purchases (by state), reviews, complaints,
    API requests, webhook deliveries, listings."""
    since, until = timezone.localtime(start).isoformat(), timezone.localtime(end).isoformat()
    window = {"created_at__gte": since, "created_at__lt": until}
    purchases = {"partner__id__exact": partner_id, **window}
    if kpi in (Kpi.PURCHASES, Kpi.VALUE, Kpi.MARKET_SHARE, Kpi.COMMISSION_OVER_CAP):
        return _list("partners_purchase", {**purchases, "confirmed_at__isnull": "False"})
    if kpi in (Kpi.COMPLETION_RATE, Kpi.MEDIAN_COMPLETION_HOURS):
        return _list("partners_purchase", {**purchases, "status__exact": "completed"})
    if kpi == Kpi.CANCELLATION_RATE:
        return _list("partners_purchase", {**purchases, "status__exact": "cancelled"})
    if kpi == Kpi.AVERAGE_RATING:
        return _list("courses_coursereview", {"platform_id": partner_id, **window})
    if kpi == Kpi.COMPLAINTS_PER_1000:
        return _list("applicants_complaint", {"platform_id": partner_id, **window})
    if kpi == Kpi.API_ERROR_RATE:
        return _list("partners_apirequestlog", {"partner__id__exact": partner_id, "at__gte": since, "at__lt": until})
    if kpi == Kpi.WEBHOOK_SUCCESS_RATE:
        return _list("partners_webhookdelivery", {"endpoint__partner__id__exact": partner_id})
    if kpi == Kpi.LISTINGS_OVER_PRICE:
        return _list("partners_listing", {"partner__id__exact": partner_id, "is_active__exact": 1})
    if kpi == Kpi.AFFILIATED_SALES_SHARE:
        return _list("partners_listing", {"partner__id__exact": partner_id, "affiliated__exact": 1})
    return None
