from celery import shared_task

from partners.evaluation.errors import EvaluationError
from partners.evaluation.services.evaluations import evaluation_run
from partners.evaluation.services.kpis import period_parse, previous_period
from prakerja.core.actor import Actor


@shared_task(name="batch.partners_evaluate", acks_late=True)
def partners_evaluate(*, period: str = "") -> str:
    """The monthly draft (last month by default); re-running replaces the draft, a published
    period is left alone."""
    month = period_parse(period) if period else previous_period()
    try:
        evaluation = evaluation_run(period=month, actor=Actor.system("partners.evaluate"))
    except EvaluationError as exc:
        return exc.message
    return f"{evaluation}: {evaluation.results.count()} platforms in {evaluation.compute_ms} ms"
