"""The monthly evaluation runs on a real Celery worker (the beat's task), and running it twice
leaves one draft with the same figures."""

import datetime as dt

import pytest

from partners.evaluation.tasks import partners_evaluate
from partners.models import Evaluation, EvaluationStatus
from tests.celery_worker import celery_worker
from tests.factories import ListingFactory, PartnerFactory
from tests.partners.evaluation import at, purchase, scorecard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_the_evaluation_task_runs_on_a_worker_and_is_safe_to_run_twice(tmp_path, participant_card):
    # given two platforms with October purchases and a scorecard in use
    scorecard()
    for name, count in (("Satu", 3), ("Dua", 1)):
        listing = ListingFactory.create(partner=PartnerFactory.create(name=name))
        for day in range(1, count + 1):
            purchase(listing=listing, card=participant_card, created=at(day), status="completed", hours_to_complete=24)

    # when the beat's task is sent to a worker, twice
    with celery_worker(tmp_path) as worker:
        first = partners_evaluate.apply_async(kwargs={"period": "2026-10"}, queue=worker.queue).get(timeout=60)
        second = partners_evaluate.apply_async(kwargs={"period": "2026-10"}, queue=worker.queue).get(timeout=60)

    # then one draft holds both platforms, computed by the worker
    assert first.startswith("2026-10: 2 platforms"), worker.log()
    assert second.startswith("2026-10: 2 platforms")
    evaluation = Evaluation.objects.get(period=dt.date(2026, 10, 1))
    assert evaluation.status == EvaluationStatus.DRAFT
    assert evaluation.computed_by == "partners.evaluate"
    assert sorted(evaluation.results.values_list("purchases_paid", flat=True)) == [1, 3]
