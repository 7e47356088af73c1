"""Evaluations of a period: requested, run (KPIs computed by `kpis`, scored by the scorecard in
use, ranked), published, and the partner manager's decision per platform, which runs the
lifecycle service. Definitions: `partners.evaluation.services.kpis`."""

import datetime as dt
import time

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.evaluation.errors import EvaluationError
from partners.evaluation.services.kpis import kpis_compute, kpis_score, period_parse
from partners.evaluation.services.scorecards import scorecard_in_use
from partners.models import (
    Evaluation,
    EvaluationDecision,
    EvaluationResult,
    EvaluationStatus,
    PartnerStatus,
    Recommendation,
    StatusChange,
)
from partners.platforms.services.lifecycle import LifecycleError, partner_status_change
from partners.webhooks.services.webhooks import webhook_event_record
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit
from prakerja.core.routers import replica_reads
from prakerja.messaging.services import email_send_after_commit

LOCK_NAMESPACE = 7209  # pg_advisory_xact_lock(namespace, period as yyyymm)


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
