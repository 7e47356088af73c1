"""The real gunicorn process, configured as in production, keeps underscore headers."""

import json
import urllib.request

import pytest

from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.server]

PROTOCOL_HEADERS = {"client_code": "myclient_code", "timestamp": "1516239022", "signature": "943c20a8"}


def get_json(url: str, headers: dict[str, str]) -> dict[str, str]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("header_name", ["client_code", "Client_code", "CLIENT_CODE"])
def test_underscore_headers_reach_the_application(header_name):
    # given the server started with the project's gunicorn configuration
    with gunicorn("tests.echo_wsgi:application", ready_path="/") as base:
        # when a training institution sends its headers, in whatever case
        seen = get_json(base + "/", {header_name: "myclient_code", "timestamp": "1516239022"})

    # then they reach the WSGI application
    assert seen["HTTP_CLIENT_CODE"] == "myclient_code"
    assert seen["HTTP_TIMESTAMP"] == "1516239022"


def test_gunicorn_default_would_drop_them():
    # The contrast that shows the setting matters: gunicorn's own default drops the header.
    with gunicorn("tests.echo_wsgi:application", ready_path="/", extra_args=["--header-map", "drop"]) as base:
        seen = get_json(base + "/", PROTOCOL_HEADERS)
    assert "HTTP_CLIENT_CODE" not in seen


@pytest.mark.django_db
def test_the_portal_serves_through_gunicorn():
    env = database_env()
    with gunicorn(env=env) as base, urllib.request.urlopen(base + "/", timeout=5) as response:
        assert response.status == 200
        assert "Kartu Prakerja" in response.read().decode()
