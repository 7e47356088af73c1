"""The platforms' data sets of the public open-data page (/data/): courses bought and completed
per category and per platform since the start, and purchases per day over the last weeks.

Read from the programme dashboard's snapshots: the purchases section
(`partners.programme_figures`) and one more section computed here by the same refresh job
(the totals per category and platform). Registered from PartnersConfig.ready."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from prakerja.core.dashboard import Section, query_rows, register_section
from prakerja.opendata.datasets import THRESHOLD, Chart, DataSet, Field, register_dataset

SECTION = "public_courses"
PURCHASES = "purchases"

# A course is bought once its purchase is paid (confirmed_at), whatever happened after.
BY_CATEGORY_SQL = """
SELECT cat.name, count(*), count(pu.completed_at)
FROM partners_purchase AS pu
JOIN courses_course AS c ON c.id = pu.course_id
JOIN courses_category AS cat ON cat.id = c.category_id
WHERE pu.confirmed_at IS NOT NULL
GROUP BY cat.name ORDER BY cat.name
"""
BY_PLATFORM_SQL = """
SELECT pa.name, count(*), count(pu.completed_at)
FROM partners_purchase AS pu
JOIN partners_partner AS pa ON pa.id = pu.partner_id
WHERE pu.confirmed_at IS NOT NULL
GROUP BY pa.name ORDER BY pa.name
"""


def public_compute() -> dict[str, Any]:
    return {
        "categories": [{"name": n, "purchases": p, "completed": c} for n, p, c in query_rows(BY_CATEGORY_SQL)],
        "platforms": [{"name": n, "purchases": p, "completed": c} for n, p, c in query_rows(BY_PLATFORM_SQL)],
    }


def _with_rate(rows: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    return [
        {
            label: row["name"],
            "purchases": row["purchases"],
            "completed": row["completed"],
            "completion_pct": round(100 * row["completed"] / row["purchases"], 1)
            if row["purchases"] >= THRESHOLD
            else None,
        }
        for row in rows
    ]


def category_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return _with_rate(data[SECTION].get("categories", []), "category")


def platform_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return _with_rate(data[SECTION].get("platforms", []), "platform")


def daily_rows(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    snapshot = data[PURCHASES]
    days = snapshot.get("days", [])
    bought = [sum(series[n] for series in snapshot.get("purchases", {}).values()) for n in range(len(days))]
    done = [sum(series[n] for series in snapshot.get("completions", {}).values()) for n in range(len(days))]
    return [{"day": day, "purchases": b, "completed": d} for day, b, d in zip(days, bought, done, strict=True)]


def _fields(label: str, title: Any) -> tuple[Field, ...]:
    return (
        Field(label, title, type="string"),
        Field("purchases", _("Courses bought"), people=True),
        Field("completed", _("Completed"), people=True),
        Field("completion_pct", _("Completion (%)"), type="number", depends_on=("purchases", "completed")),
    )


def register_open_data() -> None:
    register_section(
        Section(
            key=SECTION,
            title=_("Courses bought per category and platform (public figures)"),
            template="admin/dashboard/public_courses.html",
            compute=public_compute,
            order=45,
        )
    )
    register_dataset(
        DataSet(
            key="courses_by_category",
            title=_("Courses bought per category"),
            description=_("Paid course purchases since the programme began, and how many were completed."),
            fields=_fields("category", _("Category")),
            rows=category_rows,
            sections=(SECTION,),
            chart=Chart("bar", "category", ("purchases", "completed"), horizontal=True),
            order=40,
        )
    )
    register_dataset(
        DataSet(
            key="courses_by_platform",
            title=_("Courses bought per digital platform"),
            description=_(
                "Paid course purchases since the programme began, per platform, and how many were completed."
            ),
            fields=_fields("platform", _("Platform")),
            rows=platform_rows,
            sections=(SECTION,),
            chart=Chart("bar", "platform", ("purchases", "completed"), horizontal=True),
            order=45,
        )
    )
    register_dataset(
        DataSet(
            key="purchases_daily",
            title=_("Courses bought and completed per day"),
            description=_("All platforms together, over the last 30 days (Asia/Jakarta)."),
            fields=(
                Field("day", _("Day"), type="date"),
                Field("purchases", _("Courses bought"), people=True),
                Field("completed", _("Completed"), people=True),
            ),
            rows=daily_rows,
            sections=(PURCHASES,),
            chart=Chart("line", "day", ("purchases", "completed")),
            order=50,
        )
    )
