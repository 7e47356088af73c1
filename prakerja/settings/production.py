"""Production: secrets and hosts are required, every transport hardened."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, IDENTITY_PROVIDER, PAYMENT_PROVIDER, SMS_GATEWAY, STORAGES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY")
SITE_URL = env.str("SITE_URL")
PAYMENT_CALLBACK_SECRET = env.str("PAYMENT_CALLBACK_SECRET")
# Every staff account passes a TOTP code for the admin; not optional here.
STAFF_2FA_REQUIRED = True

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A missing variable must not silently send nothing and mark payouts paid: the sandboxes run
# here only when PRODUCTION_SANDBOXES names them (a staging or load-test machine).
PRODUCTION_SANDBOXES = env.list("PRODUCTION_SANDBOXES", default=[])
_SANDBOXES = {
    "payments": ("PAYMENT_PROVIDER", PAYMENT_PROVIDER, "prakerja.payments.sandbox."),
    "sms": ("SMS_GATEWAY", SMS_GATEWAY, "prakerja.messaging.sms.Sandbox"),
    "email": ("EMAIL_BACKEND", EMAIL_BACKEND, "prakerja.messaging.backends.Sandbox"),
    "identity": ("IDENTITY_PROVIDER", IDENTITY_PROVIDER, "prakerja.identity.sandbox."),
}
if unknown := set(PRODUCTION_SANDBOXES) - set(_SANDBOXES):
    raise ImproperlyConfigured(f"PRODUCTION_SANDBOXES: unknown {sorted(unknown)}; use {sorted(_SANDBOXES)}")
for _name, (_setting, _value, _sandbox) in _SANDBOXES.items():
    if (_value.startswith(_sandbox) or _value == "django.core.mail.backends.locmem.EmailBackend") and (
        _name not in PRODUCTION_SANDBOXES
    ):
        raise ImproperlyConfigured(
            f"{_setting} is the sandbox ({_value}); set the real provider, or PRODUCTION_SANDBOXES={_name} "
            "to run the sandbox on purpose"
        )
