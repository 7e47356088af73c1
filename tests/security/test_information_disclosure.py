"""Attack: an outsider reads the readiness probe to learn the portal's internals (which
dependency is down, host names, and whatever an exception's text carries, such as a connection
URL with its password), directly and through the public proxy."""

import pytest
from django.test import Client

from prakerja.core import health

pytestmark = pytest.mark.django_db

SECRET = "redis://:hunter2@10.0.0.5:6379/0"


@pytest.fixture(autouse=True)
def _failing_redis(monkeypatch, settings) -> None:
    settings.READYZ_TOKEN = "probe-token-123"

    def broken() -> str:
        raise ConnectionError(f"Error connecting to {SECRET}")

    monkeypatch.setitem(health.CHECKS, "redis", broken)
    monkeypatch.setitem(health.CHECKS, "celery", lambda: "a worker answered")


@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "203.0.113.7"},  # from the internet
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},  # through the proxy
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer wrong"},
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer "},
    ],
)
def test_an_outsider_learns_only_up_or_down(headers):
    # when an outsider asks whether the portal is ready while Redis is down
    response = Client().get("/readyz", **headers)

    # then the answer is "unavailable" and nothing else
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "hunter2" not in response.content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer probe-token-123"},
        {"REMOTE_ADDR": "127.0.0.1"},  # the orchestrator's probe, straight to the server
    ],
)
def test_the_operators_see_which_check_failed(headers):
    response = Client().get("/readyz", **headers)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert "ConnectionError" in checks["redis"]["detail"]
    assert checks["database"]["ok"] is True
