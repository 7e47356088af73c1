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
- listings above the course price: the platform's active listings now (a snapshot).
"""

import calendar
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import (
    Evaluation,
    EvaluationDecision,
    EvaluationResult,
    EvaluationStatus,
    Partner,
    PartnerStatus,
    Recommendation,
    Scorecard,
    ScorecardRule,
    StatusChange,
)
from partners.services.lifecycle import LifecycleError, partner_status_change
from partners.services.webhooks import webhook_event_record
from prakerja.audit.services import Actor, audit_record
from prakerja.core.errors import DomainError
from prakerja.core.queueing import enqueue_after_commit
from prakerja.core.routers import read_alias, replica_reads
from prakerja.messaging.services import email_send_after_commit

LOCK_NAMESPACE = 7209  # pg_advisory_xact_lock(namespace, period as yyyymm)
API_ERROR_STATUSES = (400, 401, 403)


class EvaluationError(DomainError):
    """An evaluation, scorecard or decision step refused."""


def period_parse(text: str) -> dt.date:
    """'2026-10' -> 1 October 2026."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise EvaluationError(_("A period is written YYYY-MM, for example 2026-10."), field="period") from exc


def evaluation_request(*, period: str, actor: Actor, request: HttpRequest | None = None) -> str:
    """A partner manager asks for a period's (re)computation: audited, and queued on the batch
    workers after commit (`batch.partners_evaluate`). Returns the period as YYYY-MM;
    EvaluationError (field "period") when the text is not a period."""
    label = period_parse(period).strftime("%Y-%m")
    with transaction.atomic():
        audit_record(
            actor=actor, action="evaluation.requested", target=None, payload={"period": label}, request=request
        )
        enqueue_after_commit("batch.partners_evaluate", period=label)
    return label


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
# instead of sorting millions of rows on one core with an ordered-set aggregate.
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
       count(*) FILTER (WHERE status = 'cancelled' AND confirmed_at IS NOT NULL)
FROM partners_purchase
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
    """Per platform: (started, paid, value, completed, cancelled, refunded, paid above the cap),
    and the median completion time in hours (to the minute)."""
    caps = {partner_id: cap for partner_id, (cap,) in _rows(CAPS_SQL, {}).items()}
    totals: dict[int, list[int]] = {}
    minutes: dict[int, list[tuple[int, int]]] = {}
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # The planner cannot know the minute groups are few and would sort ten million rows.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(PURCHASES_SQL, params)
        for partner_id, rate, minute, *counts in cursor.fetchall():
            row = totals.setdefault(partner_id, [0] * 7)
            for index, count in enumerate(counts):
                row[index] += int(count)
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
        created, paid, value, completed, cancelled, refunded, over_cap = purchases.get(partner_id, (0,) * 7)
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


def scorecard_in_use() -> Scorecard:
    scorecard = Scorecard.objects.filter(activated_at__isnull=False).order_by("-version").first()
    if scorecard is None:
        raise EvaluationError(_("No scorecard is in use: put one in use first."))
    return scorecard


# --- The job ----------------------------------------------------------------------------------


def evaluation_run(*, period: dt.date, actor: Actor) -> Evaluation:
    """Compute (or recompute) the period's draft. A published period is refused. Two runs of
    one period wait for each other (an advisory lock), so the second recomputes after the first."""
    period = period.replace(day=1)
    if period > timezone.localdate().replace(day=1):
        raise EvaluationError(_("That period has not started yet."))
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, period.year * 100 + period.month])
        evaluation = Evaluation.objects.select_for_update().filter(period=period).first()
        if evaluation is not None and evaluation.status == EvaluationStatus.PUBLISHED:
            raise EvaluationError(_("The results of %(period)s are published and final.") % {"period": evaluation})
        scorecard = scorecard_in_use()
        rules = list(scorecard.rules.all())
        with replica_reads():  # the month's facts; a moment's lag does not change them
            kpis = kpis_compute(period=period)
        now = timezone.now()
        if evaluation is None:
            evaluation = Evaluation(period=period)
        else:
            evaluation.results.all().delete()
        evaluation.scorecard = scorecard
        evaluation.computed_at = now
        evaluation.computed_by = actor.label
        evaluation.total_value = sum(row["value"] for row in kpis.values())
        evaluation.save()
        scored = {
            partner_id: kpis_score(kpis=row, scorecard=scorecard, rules=rules) for partner_id, row in kpis.items()
        }
        order = sorted(kpis, key=lambda pid: (-scored[pid].score, -kpis[pid]["value"], pid))
        EvaluationResult.objects.bulk_create(
            EvaluationResult(
                evaluation=evaluation,
                partner_id=partner_id,
                points=scored[partner_id].points,
                score=scored[partner_id].score,
                rank=rank,
                recommendation=scored[partner_id].recommendation,
                **kpis[partner_id],
            )
            for rank, partner_id in enumerate(order, start=1)
        )
        evaluation.compute_ms = int((time.monotonic() - started) * 1000)
        evaluation.save(update_fields=["compute_ms"])
        audit_record(
            actor=actor,
            action="evaluation.computed",
            target=evaluation,
            payload={"period": str(evaluation), "scorecard": scorecard.version, "platforms": len(order)},
        )
    return evaluation


@transaction.atomic
def evaluation_publish(*, evaluation: Evaluation, actor: Actor) -> Evaluation:
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status == EvaluationStatus.PUBLISHED:
        raise EvaluationError(_("These results are already published."))
    locked.status = EvaluationStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor.user
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit_record(actor=actor, action="evaluation.published", target=locked, payload={"period": str(locked)})
    return locked


# --- Decisions --------------------------------------------------------------------------------

DECISION_STATUS: dict[str, str] = {
    Recommendation.SUSPEND: PartnerStatus.SUSPENDED,
    Recommendation.TERMINATE: PartnerStatus.TERMINATED,
}


@transaction.atomic
def evaluation_decide(*, result: EvaluationResult, decision: str, reason: str, actor: Actor) -> EvaluationDecision:
    """A partner manager's decision on one published result. Suspend and terminate change the
    platform's status through the lifecycle service; continue reinstates a suspended platform;
    a warning is written to the platform. The recommendation itself never acts."""
    if actor.user is None:
        raise EvaluationError(_("Only a partner manager can decide."))
    result = EvaluationResult.objects.select_related("evaluation", "partner").get(pk=result.pk)
    if result.evaluation.status != EvaluationStatus.PUBLISHED:
        raise EvaluationError(_("Publish the period's results before deciding on them."))
    if EvaluationDecision.objects.filter(result=result).exists():
        raise EvaluationError(_("This result has been decided already."))
    if decision not in Recommendation.values:
        raise EvaluationError(_("Unknown decision."))
    if not reason.strip():
        raise EvaluationError(_("A reason is required."))
    partner = result.partner
    label = _("Evaluation %(period)s: %(reason)s") % {"period": result.evaluation, "reason": reason.strip()}
    status_change: StatusChange | None = None
    target: str | None = DECISION_STATUS.get(decision)
    if decision == Recommendation.CONTINUE and partner.status == PartnerStatus.SUSPENDED:
        target = PartnerStatus.ACTIVE
    try:
        if target is not None and target != partner.status:
            partner_status_change(partner=partner, to=target, reason=label, actor=actor)
            status_change = StatusChange.objects.filter(partner=partner).order_by("-changed_at", "-pk").first()
    except LifecycleError as exc:
        raise EvaluationError(exc.message) from exc
    if decision == Recommendation.WARNING:
        webhook_event_record(
            partner=partner,
            type="partner.warning",
            payload={"period": str(result.evaluation), "score": result.score, "reason": reason.strip()},
        )
        if partner.contact_email:
            email_send_after_commit(
                to=partner.contact_email,
                subject=f"Peringatan evaluasi kinerja Kartu Prakerja {result.evaluation}",
                body=(
                    f"Yth. {partner.legal_name or partner.name},\n\n"
                    f"Hasil evaluasi kinerja {partner.name} periode {result.evaluation}: skor {result.score:.1f} "
                    f"(peringkat {result.rank}).\nPeringatan: {reason.strip()}\n\n"
                    "Manajemen Pelaksana Program Kartu Prakerja"
                ),
                reference=f"evaluation-warning:{result.pk}",
            )
    made = EvaluationDecision.objects.create(
        result=result, decision=decision, reason=reason.strip(), decided_by=actor.user, status_change=status_change
    )
    audit_record(
        actor=actor,
        action="evaluation.decided",
        target=made,
        payload={
            "partner": partner.pk,
            "period": str(result.evaluation),
            "recommendation": result.recommendation,
            "decision": decision,
            "reason": reason.strip(),
        },
    )
    return made


# --- Scorecards -------------------------------------------------------------------------------


def scorecard_next_version() -> int:
    return (Scorecard.objects.aggregate(last=Max("version"))["last"] or 0) + 1


@transaction.atomic
def scorecard_create(
    *,
    rules: list[tuple[str, int, float, float, bool]],
    actor: Actor,
    note: str = "",
    bands: dict[str, int] | None = None,
    activate: bool = False,
) -> Scorecard:
    """A draft scorecard (`bands`: continue_from / warning_from / suspend_from, else defaults)."""
    version = scorecard_next_version()
    scorecard = Scorecard.objects.create(version=version, note=note, **(bands or {}))
    ScorecardRule.objects.bulk_create(
        ScorecardRule(scorecard=scorecard, kpi=kpi, weight=weight, target=target, limit=limit, critical=critical)
        for kpi, weight, target, limit, critical in rules
    )
    audit_record(actor=actor, action="scorecard.created", target=scorecard, payload={"version": version})
    if activate:
        scorecard = scorecard_activate(scorecard=scorecard, actor=actor)
    return scorecard


def scorecard_new_version(*, scorecard: Scorecard, actor: Actor) -> Scorecard:
    """A draft copy of a scorecard, to change and put in use (the original stays as it was)."""
    return scorecard_create(
        rules=[(r.kpi, r.weight, r.target, r.limit, r.critical) for r in scorecard.rules.all()],
        actor=actor,
        note=_("Copy of v%(version)s") % {"version": scorecard.version},
        bands={
            "continue_from": scorecard.continue_from,
            "warning_from": scorecard.warning_from,
            "suspend_from": scorecard.suspend_from,
        },
    )


@transaction.atomic
def scorecard_activate(*, scorecard: Scorecard, actor: Actor) -> Scorecard:
    locked = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if not locked.is_draft:
        raise EvaluationError(_("This scorecard is already in use."))
    if not locked.rules.filter(weight__gt=0).exists():
        raise EvaluationError(_("A scorecard needs at least one KPI with a weight."))
    if locked.version < (Scorecard.objects.filter(activated_at__isnull=False).aggregate(v=Max("version"))["v"] or 0):
        raise EvaluationError(_("A newer version is already in use."))
    locked.activated_at = timezone.now()
    locked.activated_by = actor.user
    locked.save(update_fields=["activated_at", "activated_by"])
    audit_record(
        actor=actor,
        action="scorecard.activated",
        target=locked,
        payload={
            "version": locked.version,
            "rules": [[r.kpi, r.weight, r.target, r.limit, r.critical] for r in locked.rules.all()],
        },
    )
    return locked
