"""The platforms' sections of the programme dashboard (admin home): purchases and completions
per day per platform over the last weeks, and the latest evaluation's scores."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Evaluation, EvaluationResult, EvaluationStatus, Partner, Recommendation
from prakerja.core.dashboard import Section, choice_label, query_rows, register_section

DAYS = 30
JAKARTA = "Asia/Jakarta"

# Paid purchases by the day they were paid; the created_at range keeps it an index scan
# (a purchase is paid within minutes of being started).
PURCHASES_SQL = """
SELECT partner_id, (confirmed_at AT TIME ZONE %(tz)s)::date AS day, count(*), sum(price)
FROM partners_purchase
WHERE created_at >= %(since)s - interval '1 day' AND confirmed_at >= %(since)s
GROUP BY 1, 2
"""
COMPLETIONS_SQL = """
SELECT partner_id, (completed_at AT TIME ZONE %(tz)s)::date AS day, count(*)
FROM partners_purchase
WHERE completed_at >= %(since)s
GROUP BY 1, 2
"""


def purchases_compute() -> dict[str, Any]:
    today = timezone.localdate()
    first = today - dt.timedelta(days=DAYS - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    days = [first + dt.timedelta(days=n) for n in range(DAYS)]
    index = {day: n for n, day in enumerate(days)}
    params = {"tz": JAKARTA, "since": since}
    names = dict(Partner.objects.values_list("id", "name"))
    bought: dict[str, list[int]] = {}
    completed: dict[str, list[int]] = {}
    totals = {"purchases": 0, "value": 0, "completed": 0}
    for partner_id, day, count, value in query_rows(PURCHASES_SQL, params):
        if day in index:
            bought.setdefault(names.get(partner_id, str(partner_id)), [0] * DAYS)[index[day]] += count
            totals["purchases"] += count
            totals["value"] += int(value or 0)
    for partner_id, day, count in query_rows(COMPLETIONS_SQL, params):
        if day in index:
            completed.setdefault(names.get(partner_id, str(partner_id)), [0] * DAYS)[index[day]] += count
            totals["completed"] += count
    return {
        "days": [day.isoformat() for day in days],
        "purchases": dict(sorted(bought.items())),
        "completions": dict(sorted(completed.items())),
        "totals": totals,
    }


def scores_compute() -> dict[str, Any]:
    evaluation = Evaluation.objects.order_by("-period").first()
    if evaluation is None:
        return {"period": None, "results": []}
    results = (
        EvaluationResult.objects.filter(evaluation=evaluation)
        .select_related("partner")
        .order_by("rank", "partner__name")
    )
    return {
        "period": evaluation.period.strftime("%Y-%m"),
        "evaluation_id": evaluation.pk,
        "status": evaluation.status,
        "results": [
            {
                "platform": result.partner.name,
                "rank": result.rank,
                "score": round(result.score, 1),
                "recommendation": result.recommendation,
                "market_share": round(100 * result.market_share, 1),
            }
            for result in results
        ],
    }


def scores_present(data: dict[str, Any]) -> dict[str, Any]:
    results = [
        {**r, "recommendation": choice_label(Recommendation, r["recommendation"])} for r in data.get("results", [])
    ]
    status = choice_label(EvaluationStatus, data["status"]) if data.get("status") else ""
    return {**data, "results": results, "status": status}


def register_sections() -> None:
    register_section(
        Section(
            key="purchases",
            title=_("Purchases and completions per platform"),
            template="admin/dashboard/purchases.html",
            compute=purchases_compute,
            order=20,
        )
    )
    register_section(
        Section(
            key="scores",
            title=_("Platforms' scores (latest evaluation)"),
            template="admin/dashboard/scores.html",
            compute=scores_compute,
            present=scores_present,
            permission="partners.view_evaluation",
            order=40,
        )
    )
