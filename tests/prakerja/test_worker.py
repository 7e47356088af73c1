"""A task executed by a real Celery worker process through Redis, its effect in PostgreSQL."""

import time

import pytest
from django.test import Client

from prakerja.core.models import WorkerHeartbeat
from prakerja.core.tasks import heartbeat
from tests.celery_worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.xdist_group("worker")]


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_task_runs_in_a_real_worker_and_writes_to_postgresql(tmp_path):
    # given a worker process listening on its own queue
    with celery_worker(tmp_path) as worker:
        # when the heartbeat task is sent through the Redis broker
        result = heartbeat.apply_async(queue=worker.queue)

        # then the worker ran it and its row is in the database
        assert result.get(timeout=20).startswith(worker.queue)
        assert wait_until(lambda: WorkerHeartbeat.objects.filter(hostname__startswith=worker.queue).exists()), (
            worker.log()
        )

        # and a second run updates the same row (the task is safe to run twice)
        heartbeat.apply_async(queue=worker.queue).get(timeout=20)
        row = WorkerHeartbeat.objects.get(hostname__startswith=worker.queue)
        assert row.beats == 2


def test_readyz_is_green_when_a_worker_answers(tmp_path):
    with celery_worker(tmp_path):
        response = Client().get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["celery"]["ok"] is True
