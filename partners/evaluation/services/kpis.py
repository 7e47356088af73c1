"""Platform performance evaluation: KPIs per period computed set-based (one aggregate query per
source: purchases, reviews, complaints, API requests, webhook deliveries, listings), scored by
the scorecard in use, ranked; drafts are recomputed, published results are final (the database
refuses to change them); a partner manager's decision runs the lifecycle service.

Definitions (docs/partner-evaluation.md explains them to platforms):
- the period's purchases are those *started* in the calendar month (Asia/Jakarta); purchases,
  value (paid, not refunded), completion rate, median hours from training start to completion,
  cancellations and refunds, commission above the cap are all taken from that cohort;
- reviews and complaints are those *written* in the month about the platform;
- API error rate: requests answered 400, 401, 403 or 5xx (the platform's requests we could not
  accept, or our failures) over all requests; 404, 409, 422, 429 are ordinary answers;
- webhook delivery success: delivered over settled (delivered or given up) deliveries of the
  month's events;
- listings above the course price: the platform's active listings now (a snapshot);
- share of sales from affiliated institutions: of the cohort's value, the part paid for
  listings flagged affiliated (partners.conflicts) when the evaluation is computed.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.evaluation.errors import EvaluationError
from partners.models import (
    Partner,
    PartnerStatus,
    Recommendation,
    Scorecard,
    ScorecardRule,
)
from prakerja.core.routers import read_alias

API_ERROR_STATUSES = (400, 401, 403)


def period_parse(text: str) -> dt.date:
    """'2026-10' -> 1 October 2026."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise EvaluationError(_("A period is written YYYY-MM, for example 2026-10."), field="period") from exc


def period_bounds(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    days = calendar.monthrange(period.year, period.month)[1]
    start = dt.datetime(period.year, period.month, 1, tzinfo=zone)
    return start, start + dt.timedelta(days=days)


def previous_period(today: dt.date | None = None) -> dt.date:
    first = (today or timezone.localdate()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


# --- KPIs -------------------------------------------------------------------------------------

# One pass over the month's purchases. Grouped by commission rate too (a handful per platform)
# so the cap is compared afterwards instead of joining every purchase to its agreement; and by
# minute of completion time (a few thousand groups) so the median is read from the counts
# instead of sorting millions of rows on one core with an ordered-set aggregate. Affiliated
# listings (few: about 250 of 1,895 courses in 2020) are hash-joined: a constant id list tested
# with = ANY in the aggregate's filter is searched linearly for every purchase (8x slower).
PURCHASES_SQL = """
SELECT partner_id,
       commission_rate_bp,
       CASE WHEN status = 'completed' AND started_at IS NOT NULL
            THEN floor(date_part('epoch', completed_at - started_at) / 60)::bigint END AS minute,
       count(*),
       count(*) FILTER (WHERE confirmed_at IS NOT NULL),
       COALESCE(sum(price) FILTER (WHERE confirmed_at IS NOT NULL AND status <> 'cancelled'), 0),
       count(*) FILTER (WHERE status = 'completed'),
       count(*) FILTER (WHERE status = 'cancelled' AND confirmed_at IS NULL),
       count(*) FILTER (WHERE status = 'cancelled' AND confirmed_at IS NOT NULL),
       COALESCE(sum(price) FILTER (WHERE confirmed_at IS NOT NULL AND status <> 'cancelled'
                                     AND affiliated_listing IS NOT NULL), 0)
FROM partners_purchase
LEFT JOIN (SELECT id AS affiliated_listing FROM partners_listing WHERE affiliated) AS affiliated
       ON affiliated_listing = listing_id
WHERE created_at >= %(start)s AND created_at < %(end)s
GROUP BY 1, 2, 3
"""

CAPS_SQL = """
SELECT DISTINCT ON (partner_id) partner_id, commission_cap_bp FROM partners_agreement
ORDER BY partner_id, signed_on DESC, id DESC
"""

REVIEWS_SQL = """
SELECT platform_id, count(*), avg(rating)::float FROM courses_coursereview
WHERE created_at >= %(start)s AND created_at < %(end)s AND platform_id IS NOT NULL
GROUP BY platform_id
"""

COMPLAINTS_SQL = """
SELECT platform_id, count(*) FROM applicants_complaint
WHERE created_at >= %(start)s AND created_at < %(end)s AND platform_id IS NOT NULL
GROUP BY platform_id
"""

API_SQL = """
SELECT partner_id, count(*), count(*) FILTER (WHERE status_code >= 500 OR status_code = ANY(%(errors)s))
FROM partners_apirequestlog
WHERE at >= %(start)s AND at < %(end)s
GROUP BY partner_id
"""

WEBHOOKS_SQL = """
SELECT partner_id,
       count(*) FILTER (WHERE status IN ('delivered', 'failed')),
       count(*) FILTER (WHERE status = 'delivered')
FROM partners_webhookdelivery
WHERE created_at >= %(start)s AND created_at < %(end)s
GROUP BY partner_id
"""

LISTINGS_SQL = """
SELECT l.partner_id, count(*) FROM partners_listing l JOIN courses_course c ON c.id = l.course_id
WHERE l.is_active AND l.price > c.price
GROUP BY l.partner_id
"""


def _rows(sql: str, params: dict[str, Any]) -> dict[int, tuple[Any, ...]]:
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def _purchase_counts(params: dict[str, Any]) -> tuple[dict[int, tuple[int, ...]], dict[int, float]]:
    """Per platform: (started, paid, value, completed, cancelled, refunded, paid above the cap,
    value from affiliated institutions), and the median completion time in hours (to the minute)."""
    caps = {partner_id: cap for partner_id, (cap,) in _rows(CAPS_SQL, {}).items()}
    totals: dict[int, list[int]] = {}
    minutes: dict[int, list[tuple[int, int]]] = {}
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # The planner cannot know the minute groups are few and would sort ten million rows.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(PURCHASES_SQL, params)
        for partner_id, rate, minute, *counts in cursor.fetchall():
            row = totals.setdefault(partner_id, [0] * 8)
            for index, count in enumerate(counts[:6]):
                row[index] += int(count)
            row[7] += int(counts[6])
            if rate > caps.get(partner_id, 1500):
                row[6] += int(counts[1])
            if minute is not None:
                minutes.setdefault(partner_id, []).append((int(minute), int(counts[3])))
    return {pid: tuple(row) for pid, row in totals.items()}, {pid: _median(c) for pid, c in minutes.items()}


def _median(counts: list[tuple[int, int]]) -> float:
    """The median of values given as (minute, how many), in hours."""
    counts.sort()
    total = sum(count for _minute, count in counts)
    wanted = [(total - 1) // 2, total // 2]  # the two middle positions (one when odd), 0-based
    found: list[int] = []
    seen = 0
    for minute, count in counts:
        while wanted and wanted[0] < seen + count:
            found.append(minute)
            wanted.pop(0)
        seen += count
    return round(sum(found) / len(found) / 60, 2)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def kpis_compute(*, period: dt.date) -> dict[int, dict[str, Any]]:
    """Every evaluated platform's KPIs for the period: platforms that are active or suspended,
    and any other platform with purchases in the period."""
    start, end = period_bounds(period)
    params: dict[str, Any] = {"start": start, "end": end, "errors": list(API_ERROR_STATUSES)}
    purchases, medians = _purchase_counts(params)
    reviews = _rows(REVIEWS_SQL, params)
    complaints = _rows(COMPLAINTS_SQL, params)
    api = _rows(API_SQL, params)
    webhooks = _rows(WEBHOOKS_SQL, params)
    listings = _rows(LISTINGS_SQL, params)
    evaluated = set(
        Partner.objects.filter(status__in=(PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED)).values_list("pk", flat=True)
    ) | set(purchases)
    total_value = sum(int(row[2]) for row in purchases.values())
    out: dict[int, dict[str, Any]] = {}
    for partner_id in evaluated:
        created, paid, value, completed, cancelled, refunded, over_cap, affiliated_value = purchases.get(
            partner_id, (0,) * 8
        )
        review_count, rating = reviews.get(partner_id, (0, None))
        complaint_count = complaints.get(partner_id, (0,))[0]
        requests, errors = api.get(partner_id, (0, 0))
        settled, delivered = webhooks.get(partner_id, (0, 0))
        median = medians.get(partner_id)
        out[partner_id] = {
            "purchases_created": created,
            "purchases_paid": paid,
            "value": int(value),
            "market_share": _ratio(int(value), total_value) or 0.0,
            "completed": completed,
            "completion_rate": _ratio(completed, paid),
            "median_completion_hours": float(median) if median is not None else None,
            "reviews": review_count,
            "average_rating": rating,
            "complaints": complaint_count,
            "complaints_per_1000": _ratio(complaint_count * 1000, paid),
            "cancelled": cancelled,
            "refunded": refunded,
            "cancellation_rate": _ratio(cancelled + refunded, created),
            "api_requests": requests,
            "api_errors": errors,
            "api_error_rate": _ratio(errors, requests),
            "webhooks_settled": settled,
            "webhooks_delivered": delivered,
            "webhook_success_rate": _ratio(delivered, settled),
            "commission_over_cap": over_cap,
            "listings_over_price": listings.get(partner_id, (0,))[0],
            "affiliated_value": int(affiliated_value),
            "affiliated_sales_share": _ratio(int(affiliated_value), int(value)),
        }
    return out


# --- Scoring ----------------------------------------------------------------------------------


def rule_points(*, value: float, target: float, limit: float) -> float:
    """100 at the target or better, 0 at the limit or worse, linear in between."""
    higher_is_better = target > limit
    share = (value - limit) / (target - limit) if higher_is_better else (limit - value) / (limit - target)
    return round(100.0 * min(1.0, max(0.0, share)), 2)


@dataclass(frozen=True)
class Scored:
    score: float
    points: dict[str, float]
    recommendation: str


def kpis_score(*, kpis: dict[str, Any], scorecard: Scorecard, rules: list[ScorecardRule]) -> Scored:
    points: dict[str, float] = {}
    weighted = 0.0
    weights = 0
    critical_breached = False
    for rule in rules:
        value = kpis.get(rule.kpi)
        if value is None or rule.weight == 0:
            continue
        earned = rule_points(value=float(value), target=rule.target, limit=rule.limit)
        points[rule.kpi] = earned
        weighted += earned * rule.weight
        weights += rule.weight
        critical_breached |= rule.critical and earned == 0
    if not weights:
        # Nothing to judge (no purchases, no requests): flagged for a person to look at.
        return Scored(score=0.0, points={}, recommendation=Recommendation.WARNING)
    score = round(weighted / weights, 1)
    if score >= scorecard.continue_from:
        recommendation = Recommendation.CONTINUE
    elif score >= scorecard.warning_from:
        recommendation = Recommendation.WARNING
    elif score >= scorecard.suspend_from:
        recommendation = Recommendation.SUSPEND
    else:
        recommendation = Recommendation.TERMINATE
    if critical_breached and recommendation == Recommendation.CONTINUE:
        recommendation = Recommendation.WARNING
    return Scored(score=score, points=points, recommendation=recommendation)
