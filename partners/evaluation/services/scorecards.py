"""Scorecards: the KPIs' weights, targets and limits; one in use at a time, frozen once used."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.evaluation.errors import EvaluationError
from partners.models import (
    Scorecard,
    ScorecardRule,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


def scorecard_in_use() -> Scorecard:
    scorecard = Scorecard.objects.filter(activated_at__isnull=False).order_by("-version").first()
    if scorecard is None:
        raise EvaluationError(_("No scorecard is in use: put one in use first."))
    return scorecard


# --- The job ----------------------------------------------------------------------------------


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
