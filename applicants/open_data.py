"""The applicants layer's data sets of the public open-data page (/data/): headline figures,
the funnel per province and per wave, complaints handled within target, incentives paid.

Everything is read from the programme dashboard's snapshots: the funnel section
(`applicants.programme_figures`) and one more section computed here by the same refresh job
(complaints and incentives, which the dashboard had no figures for). The public page never
reads the applicants' tables. Registered by `register_open_data()` from the applicants'
AppConfig.ready."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from applicants.models import WaveStatus
from prakerja.core.dashboard import Section, query_rows, register_section
from prakerja.opendata.datasets import THRESHOLD, Chart, DataSet, Field, register_dataset

SECTION = "public_applicants"
FUNNEL = "funnel"

# Resolved by its due time (created + the category's COMPLAINT_SLA_HOURS).
COMPLAINTS_SQL = """
SELECT category, count(*), count(*) FILTER (WHERE status = 'resolved'),
       count(*) FILTER (WHERE status = 'resolved' AND due_at IS NOT NULL AND resolved_at <= due_at)
FROM applicants_complaint
GROUP BY category ORDER BY category
"""
INCENTIVES_SQL = """
SELECT to_char(paid_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM'), count(DISTINCT card_id), count(*), sum(amount)
FROM applicants_instalment
WHERE status = 'paid' AND paid_at IS NOT NULL
GROUP BY 1 ORDER BY 1
"""
INCENTIVES_TOTAL_SQL = """
SELECT count(DISTINCT card_id), coalesce(sum(amount), 0) FROM applicants_instalment WHERE status = 'paid'
"""

# Indices of the funnel snapshot's stages (applicants.programme_figures.FUNNEL_STAGES).
REGISTERED, SELECTED, PURCHASED, COMPLETED, PAID = 0, 5, 6, 7, 9
HEADLINE_LABELS = {
    "registrants": _("Registrants"),
    "participants": _("Participants (card holders)"),
    "bought_course": _("Bought a course"),
    "completed": _("Completed a course"),
    "incentive_paid": _("Received an incentive"),
    "incentives_paid_rp": _("Incentives paid (Rp)"),
    "complaints_within_target_pct": _("Complaints resolved within target (%)"),
}
COMPLAINT_LABELS = {
    "registration": _("Registration"),
    "selection": _("Selection"),
    "purchase": _("Purchase"),
    "training": _("Training"),
    "incentive": _("Incentive"),
    "platform": _("Digital platform"),
    "other": _("Other"),
}


def public_compute() -> dict[str, Any]:
    complaints = [
        {"category": category, "filed": filed, "resolved": resolved, "within_target": within}
        for category, filed, resolved, within in query_rows(COMPLAINTS_SQL)
    ]
    months = [
        {"month": month, "people": people, "instalments": instalments, "amount": int(amount or 0)}
        for month, people, instalments, amount in query_rows(INCENTIVES_SQL)
    ]
    people, amount = query_rows(INCENTIVES_TOTAL_SQL)[0]
    return {
        "complaints": complaints,
        "incentives": months,
        "incentives_total": {"people": people, "amount": int(amount)},
    }


def _pct(part: int, whole: int) -> float | None:
    # No share of a group too small to publish.
    return round(100 * part / whole, 1) if whole >= THRESHOLD else None


def headline_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    total = data[FUNNEL].get("total") or [0] * 10
    public = data[SECTION]
    complaints = public.get("complaints", [])
    resolved = sum(row["resolved"] for row in complaints)
    within = sum(row["within_target"] for row in complaints)
    paid = public.get("incentives_total", {})
    return [
        {"indicator": "registrants", "value": total[REGISTERED]},
        {"indicator": "participants", "value": total[SELECTED]},
        {"indicator": "bought_course", "value": total[PURCHASED]},
        {"indicator": "completed", "value": total[COMPLETED]},
        {"indicator": "incentive_paid", "value": total[PAID]},
        {"indicator": "incentives_paid_rp", "value": paid.get("amount", 0) if total[PAID] >= THRESHOLD else None},
        {"indicator": "complaints_within_target_pct", "value": _pct(within, resolved)},
    ]


def province_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "province": row["province"] or str(_("(not given yet)")),
            "registrants": row["counts"][REGISTERED],
            "participants": row["counts"][SELECTED],
            "bought_course": row["counts"][PURCHASED],
            "completed": row["counts"][COMPLETED],
            "incentive_paid": row["counts"][PAID],
        }
        for row in data[FUNNEL].get("provinces", [])
    ]


def wave_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for wave in reversed(data[FUNNEL].get("waves", [])):  # oldest first: a trend
        if wave["status"] == WaveStatus.DRAFT:
            continue
        joined, selected, purchased, completed, _reviewed, paid = wave["counts"]
        rows.append(
            {
                "wave": wave["number"],
                "quota": wave["quota"],
                "joined": joined,
                "participants": selected,
                "bought_course": purchased,
                "completed": completed,
                "incentive_paid": paid,
            }
        )
    return rows


def complaint_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**row, "within_target_pct": _pct(row["within_target"], row["resolved"])}
        for row in data[SECTION].get("complaints", [])
    ]


def incentive_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"month": m["month"], "people": m["people"], "instalments": m["instalments"], "amount": m["amount"]}
        for m in data[SECTION].get("incentives", [])
    ]


def register_open_data() -> None:
    register_section(
        Section(
            key=SECTION,
            title=_("Complaints and incentives (public figures)"),
            template="admin/dashboard/public_applicants.html",
            compute=public_compute,
            permission="applicants.view_complaint",
            order=50,
        )
    )
    register_dataset(
        DataSet(
            key="headline",
            title=_("The programme in figures"),
            description=_("Totals since the programme began."),
            fields=(
                Field("indicator", _("Indicator"), type="string"),
                Field("value", _("Value"), type="number", people=True),
            ),
            rows=headline_rows,
            sections=(FUNNEL, SECTION),
            headline=True,
            labels=HEADLINE_LABELS,
            order=0,
        )
    )
    register_dataset(
        DataSet(
            key="provinces",
            title=_("Registrants and participants per province"),
            description=_("By the province of residence each registrant gave."),
            fields=(
                Field("province", _("Province"), type="string"),
                Field("registrants", _("Registrants"), people=True),
                Field("participants", _("Participants"), people=True),
                Field("bought_course", _("Bought a course"), people=True),
                Field("completed", _("Completed"), people=True),
                Field("incentive_paid", _("Received an incentive"), people=True),
            ),
            rows=province_rows,
            sections=(FUNNEL,),
            chart=Chart("bar", "province", ("registrants", "participants"), horizontal=True),
            order=20,
        )
    )
    register_dataset(
        DataSet(
            key="waves",
            title=_("Participants per wave"),
            description=_("Each selection wave: its quota, who joined, who was selected and how far they got."),
            fields=(
                Field("wave", _("Wave")),
                Field("quota", _("Quota")),
                Field("joined", _("Joined"), people=True),
                Field("participants", _("Selected"), people=True),
                Field("bought_course", _("Bought a course"), people=True),
                Field("completed", _("Completed"), people=True),
                Field("incentive_paid", _("Received an incentive"), people=True),
            ),
            rows=wave_rows,
            sections=(FUNNEL,),
            chart=Chart("bar", "wave", ("joined", "participants", "completed")),
            order=30,
        )
    )
    register_dataset(
        DataSet(
            key="incentives",
            title=_("Incentives paid per month"),
            description=_("Incentive instalments transferred, by the month they were paid (Asia/Jakarta)."),
            fields=(
                Field("month", _("Month"), type="string"),
                Field("people", _("Participants paid"), people=True),
                Field("instalments", _("Instalments"), people=True),
                Field("amount", _("Amount (Rp)"), depends_on=("people", "instalments")),
            ),
            rows=incentive_rows,
            sections=(SECTION,),
            chart=Chart("line", "month", ("people",)),
            order=60,
        )
    )
    register_dataset(
        DataSet(
            key="complaints",
            title=_("Complaints handled within target"),
            description=_(
                "Complaints per category: filed, resolved, and resolved by the time the service target allows."
            ),
            fields=(
                Field("category", _("Category"), type="string"),
                Field("filed", _("Filed"), people=True),
                Field("resolved", _("Resolved"), people=True),
                Field("within_target", _("Resolved within target"), people=True),
                Field(
                    "within_target_pct",
                    _("Within target (%)"),
                    type="number",
                    depends_on=("resolved", "within_target"),
                ),
            ),
            rows=complaint_rows,
            sections=(SECTION,),
            chart=Chart("bar", "category", ("filed", "within_target"), horizontal=True),
            labels=COMPLAINT_LABELS,
            order=70,
        )
    )
