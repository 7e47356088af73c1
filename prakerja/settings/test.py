"""Tests: the real PostgreSQL and Redis, on databases of their own."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/5"),
        "KEY_PREFIX": "prakerja-test",
    }
}
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/6")
CELERY_RESULT_BACKEND = env.str("TEST_CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/7")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The real server started by tests serves static files straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
