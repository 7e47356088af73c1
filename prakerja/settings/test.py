"""Tests: the real PostgreSQL and Redis, on databases of their own."""

import os  # noqa: I001 (process_env must be read before .base loads .env)

from .process_env import PROCESS_ENV  # before .base reads .env
from .base import *  # noqa: F403
from .base import env

# What .env added to this process's environment is taken back out: a subprocess a test starts
# (a Celery worker, gunicorn) reads .env for itself, and would otherwise see the developer's
# sandbox failure rates as if a test had asked for them.
for _key in set(os.environ) - set(PROCESS_ENV):
    del os.environ[_key]

DEBUG = False
# Each parallel test process (pytest-xdist gw0, gw1, ...) gets its own Redis database, so a
# test may clear the cache (rate-limit counters) without touching another process's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_cache_db = 8 + int(_worker.removeprefix("gw")) if _worker.startswith("gw") else 5
# One Redis server for every test database; another (TEST_REDIS_BASE) keeps two checkouts'
# suites on one machine out of each other's way.
_redis = env.str("TEST_REDIS_BASE", default="redis://127.0.0.1:6379")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("TEST_REDIS_URL", default=f"{_redis}/{_cache_db}"),
        "KEY_PREFIX": "prakerja-test",
    }
}
# Tests share a Redis database and roll their transactions back (no on-commit bump): pages are
# cached only in the tests of the cache itself and when a benchmark's server asks for it.
PAGE_CACHE_SECONDS = int(PROCESS_ENV.get("PAGE_CACHE_SECONDS", 0))
# Tests read the request log right after a request: one row at a time unless asked otherwise.
API_LOG_BUFFER_ROWS = int(PROCESS_ENV.get("API_LOG_BUFFER_ROWS", 0))
INTEGRATION_LOG_BUFFER_ROWS = int(PROCESS_ENV.get("INTEGRATION_LOG_BUFFER_ROWS", 0))
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default=f"{_redis}/6")
CELERY_RESULT_BACKEND = env.str("TEST_CELERY_RESULT_BACKEND", default=f"{_redis}/7")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A worker started by a test keeps its files where the test can read them (TEST_FILE_STORAGE=
# filesystem, under MEDIA_ROOT); the test process itself keeps them in memory.
if env.str("TEST_FILE_STORAGE", default="memory") == "filesystem":
    STORAGES["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }

# The real server started by tests serves static files straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Local receivers in tests listen on plain http.
WEBHOOK_ALLOW_HTTP = True

# The payment sandbox is quiet by default in tests (deterministic); tests that exercise
# failures, timeouts, duplicates and reversals switch them on.
# Only from the process's own environment (a test's subprocess), never from a developer's .env.
SANDBOX_PAYMENT_FAILURE_RATE = float(PROCESS_ENV.get("SANDBOX_PAYMENT_FAILURE_RATE", 0))
SANDBOX_PAYMENT_TIMEOUT_RATE = float(PROCESS_ENV.get("SANDBOX_PAYMENT_TIMEOUT_RATE", 0))
SANDBOX_PAYMENT_ERROR_RATE = float(PROCESS_ENV.get("SANDBOX_PAYMENT_ERROR_RATE", 0))
SANDBOX_PAYMENT_DUPLICATE_RATE = float(PROCESS_ENV.get("SANDBOX_PAYMENT_DUPLICATE_RATE", 0))
SANDBOX_PAYMENT_REVERSAL_RATE = float(PROCESS_ENV.get("SANDBOX_PAYMENT_REVERSAL_RATE", 0))
SANDBOX_PAYMENT_CALLBACKS = PROCESS_ENV.get("SANDBOX_PAYMENT_CALLBACKS", "false").lower() in ("1", "true", "yes")
PAYOUT_RESOLVE_AFTER_S = int(PROCESS_ENV.get("PAYOUT_RESOLVE_AFTER_S", 0))
# The factories' applicants share a birth date and draw names from a small list, so the pass
# would find "duplicates" among unrelated tests' people; its own tests switch it on.
DUPLICATES_SCAN_BEFORE_RUNS = PROCESS_ENV.get("DUPLICATES_SCAN_BEFORE_RUNS", "false").lower() in ("1", "true", "yes")
# The identity sandbox too: no outages, every registry record as the person types it (again
# only from the process's own environment).
SANDBOX_IDENTITY_OUTAGE_RATE = float(PROCESS_ENV.get("SANDBOX_IDENTITY_OUTAGE_RATE", 0))
SANDBOX_IDENTITY_MISMATCH_RATE = float(PROCESS_ENV.get("SANDBOX_IDENTITY_MISMATCH_RATE", 0))
