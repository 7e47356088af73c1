import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_LIKE = {
    "DJANGO_SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "prakerja.go.id",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLWtleS0wMTIzNDU2Nzg5YWI=",
    "BLIND_INDEX_KEY": "production-like-blind-index-key",
    "PAYMENT_CALLBACK_SECRET": "production-like-payment-callback-secret",
    "SITE_URL": "https://prakerja.go.id",
    # The sandboxes on purpose (there is no real SMS gateway yet); see the refusal tests below.
    "PRODUCTION_SANDBOXES": "payments,sms,email,identity",
}


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A database with no tables at all, as on a machine that has never migrated: whatever
    runs against it must not depend on the development database's state."""
    server = settings.DATABASES["default"]
    name = f"prakerja_empty_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        dbname="postgres", user=server["USER"], host=server["HOST"], port=server["PORT"], password=server["PASSWORD"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = server["USER"] + (f":{server['PASSWORD']}" if server["PASSWORD"] else "")
        yield f"postgres://{auth}@{server['HOST']}:{server['PORT']}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _manage(*args: str, database_url: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")},
        **PRODUCTION_LIKE,
        "DATABASE_URL": database_url,
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=prakerja.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_on_a_database_with_no_tables(empty_database_url):
    # given production settings and a database nothing has migrated
    # when Django's deployment check runs (it generates the API schema too)
    result = _manage("check", "--deploy", "--fail-level", "WARNING", database_url=empty_database_url)
    # then it reports no issue at all: nothing touched a table
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_api_schema_generates_and_validates_on_a_database_with_no_tables(empty_database_url, tmp_path):
    # given a database nothing has migrated
    # when the OpenAPI schema is generated and validated, warnings counted as failures
    out = tmp_path / "schema.yaml"
    result = _manage("spectacular", "--validate", "--fail-on-warn", "--file", str(out), database_url=empty_database_url)
    # then it succeeds without reading a table
    assert result.returncode == 0, result.stdout + result.stderr
    assert "openapi:" in out.read_text()


def test_passwords_are_hashed_with_argon2id_at_the_documented_cost():
    encoded = make_password("Kata-Sandi-Rahasia-2026")
    hasher = identify_hasher(encoded)
    assert hasher.algorithm == "argon2"
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("Kata-Sandi-Rahasia-2026", encoded)


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]


@pytest.mark.parametrize(
    ("sandboxes", "refused"),
    [
        ("", "PAYMENT_PROVIDER"),
        ("payments", "SMS_GATEWAY"),
        ("payments,sms", "EMAIL_BACKEND"),
        ("sms,email", "PAYMENT"),
        ("payments,sms,email", "IDENTITY_PROVIDER"),
    ],
)
def test_production_refuses_a_sandbox_nobody_asked_for(sandboxes, refused):
    # given production settings where a provider's variable is missing (the sandbox default)
    overrides = {"PRODUCTION_SANDBOXES": sandboxes}
    if refused == "PAYMENT":
        overrides["PAYMENT_PROVIDER"] = "prakerja.payments.sandbox.SandboxPaymentProvider"
    # when Django starts, then it refuses and names the setting
    result = _manage("check", database_url="postgres://nobody@127.0.0.1:1/none", **overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert refused in result.stderr


def test_production_starts_with_real_providers():
    # given real-looking providers and no sandbox allowed, except the SMS gateway (none exists yet)
    overrides = {
        "PRODUCTION_SANDBOXES": "sms",
        "PAYMENT_PROVIDER": "prakerja.payments.snap.SnapPaymentProvider",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "IDENTITY_PROVIDER": "prakerja.identity.dukcapil.DukcapilIdentityProvider",
    }
    # when Django starts, then it does
    result = _manage("check", database_url="postgres://nobody@127.0.0.1:1/none", **overrides)
    assert result.returncode == 0, result.stderr
