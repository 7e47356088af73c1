import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("worker")]


def test_healthz_says_the_process_is_alive():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency_and_fails_without_a_worker():
    # given PostgreSQL and Redis up but no Celery worker on the test broker
    response = Client().get("/readyz")

    # then each dependency is reported and the service is not ready
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "celery"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"]["ok"] is False
    assert response.status_code == 503
