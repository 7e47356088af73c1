import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    # given production settings with the variables an operator must set
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
        "DJANGO_ALLOWED_HOSTS": "prakerja.go.id",
        "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLWtleS0wMTIzNDU2Nzg5YWI=",
        "BLIND_INDEX_KEY": "production-like-blind-index-key",
        "PAYMENT_CALLBACK_SECRET": "production-like-payment-callback-secret",
        "SITE_URL": "https://prakerja.go.id",
    }
    # when Django's deployment check runs
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=prakerja.settings.production",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # then it reports no issue at all
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


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
