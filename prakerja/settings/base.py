"""Settings shared by every environment; everything variable comes from the environment.

Each variable is documented in .env.example. Defaults suit a developer machine where
PostgreSQL (trust auth) and Redis run locally, so that no .env file is needed.
"""

from pathlib import Path

import django_stubs_ext
import environ
from django.utils.translation import gettext_lazy as _
from kombu import Queue

# Lets `admin.ModelAdmin[Model]` and other generic classes be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdef")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Kernel first so its templates and the custom user model win.
    "prakerja.core",
    "prakerja.accounts",
    "prakerja.audit",
    "prakerja.ledger",
    "prakerja.messaging",
    "prakerja.payments",
    "prakerja.identity",
    "prakerja.opendata",
    # django.contrib.admin, whose site also requires the staff second factor.
    "prakerja.accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Domain apps, lowest layer first: partners -> courses -> applicants -> prakerja.
    "applicants",
    "courses",
    "partners",
]

MIDDLEWARE = [
    # First: REMOTE_ADDR becomes the client's address when a trusted proxy forwarded the request.
    "prakerja.core.client_ip.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, locale and CSRF: the open-data pages are the same for everyone.
    "prakerja.opendata.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff sessions end after STAFF_IDLE_TIMEOUT_S without a request (audited).
    "prakerja.accounts.security.StaffIdleTimeoutMiddleware",
    # request.user.is_verified(): the session passed a second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # With STAFF_2FA_REQUIRED, staff reach the admin only after a TOTP code (enrolled first).
    "prakerja.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a refused rate limit into the friendly 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prakerja.urls"
# The portal is served at the root: Django ignores any SCRIPT_NAME in the WSGI environ, so no
# header can make request.path differ from the path that was routed.
FORCE_SCRIPT_NAME = env.str("FORCE_SCRIPT_NAME", default="")
WSGI_APPLICATION = "prakerja.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prakerja.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/prakerja"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Behind a transaction pooler (PgBouncer pool_mode = transaction): no session state is relied
# on between transactions (see prakerja/core/db.py). Server-side cursors stay on: every one is
# opened inside a transaction (prakerja.core.db.stream), which the pooler keeps on one connection.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = False
# A streaming replica for reads that tolerate lag (dashboard refresh, exports, evaluation,
# public catalogue); only code that asks for it reads there (prakerja/core/routers.py).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 3
DATABASE_ROUTERS = ["prakerja.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Public pages (the catalogue) cached whole for anonymous visitors, seconds (prakerja.core.pagecache);
# 0 turns the cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# Seconds a shared cache (a CDN) may keep such a page for anonymous visitors
# (Cache-Control: public, max-age): how long a change can take to reach them there. 0: private.
PAGE_CACHE_PUBLIC_MAX_AGE = env.int("PAGE_CACHE_PUBLIC_MAX_AGE", default=60)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="prakerja"),
    }
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "applicants:login"
LOGIN_REDIRECT_URL = "applicants:dashboard"
LOGOUT_REDIRECT_URL = "landing"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is even hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failures for one account from one address, a one-hour lock.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address as ClientAddressMiddleware settled it (never a forwarded header read
# on its own).
AXES_CLIENT_IP_CALLABLE = "prakerja.core.client_ip.request_client_ip"
# Load balancers allowed to say, in X-Forwarded-For, who the client is (addresses or CIDR
# networks). Empty: nobody; REMOTE_ADDR is the client. See prakerja/core/client_ip.py.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "applicants/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Cache-backed rate limits (django-ratelimit) for registration, email and OTP endpoints.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "prakerja.core.views.rate_limited"
# Registrations per client address. Many Indonesian mobile users share a carrier's addresses
# (CGNAT), so this is generous; it stops scripted mass sign-ups, not families.
RATELIMIT_REGISTRATION = env.str("RATELIMIT_REGISTRATION", default="30/m")

# Waves and selection. Cards are issued (and funded) this many per transaction.
# Purchase-code guessing through many purchases (partners/services/purchase_guard.py): per card,
# whatever the platform, purchases awaiting confirmation, purchases a day, and wrong codes
# before the card's confirmations are locked for 24 hours.
PURCHASE_OPEN_PER_CARD = env.int("PURCHASE_OPEN_PER_CARD", default=3)
PURCHASES_PER_CARD_PER_DAY = env.int("PURCHASES_PER_CARD_PER_DAY", default=10)
PURCHASE_CODE_FAILURES_BEFORE_LOCK = env.int("PURCHASE_CODE_FAILURES_BEFORE_LOCK", default=5)
# Integration protocol calls per training institution (django-ratelimit syntax).
INTEGRATION_RATE = env.str("INTEGRATION_RATE", default="6000/m")
# Integration calls that fail authentication, per client address, before that address is
# refused outright for the rest of the period (django-ratelimit syntax).
INTEGRATION_UNAUTHENTICATED_RATE = env.str("INTEGRATION_UNAUTHENTICATED_RATE", default="60/m")
# The integration call log is written per server process in batches of this many rows, or when
# the oldest is this many seconds old (courses/integration/call_log.py); a killed process loses
# at most its buffer. 0 or 1: every call's row at once.
INTEGRATION_LOG_BUFFER_ROWS = env.int("INTEGRATION_LOG_BUFFER_ROWS", default=200)
INTEGRATION_LOG_FLUSH_SECONDS = env.float("INTEGRATION_LOG_FLUSH_SECONDS", default=2.0)
# Webhook endpoints must be https:// unless this is on (development and tests).
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
SELECTION_CARD_CHUNK = env.int("SELECTION_CARD_CHUNK", default=100_000)
# Run the pass for suspected duplicates (applicants.duplicates) before every selection and payout
# run; open groups leave their members pending and held whether or not this is on.
DUPLICATES_SCAN_BEFORE_RUNS = env.bool("DUPLICATES_SCAN_BEFORE_RUNS", default=True)
# Announcement messages (email + SMS) are queued this many members per batch task.
ANNOUNCEMENT_BATCH = env.int("ANNOUNCEMENT_BATCH", default=1_000)
# Cards revoked (blacklisted, balance returned) per transaction by the daily job.
REVOCATION_CHUNK = env.int("REVOCATION_CHUNK", default=10_000)
# Email verification links and password reset links expire after this many seconds.
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = 3600
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Personal identifiers (NIK, KK) are encrypted with these keys (first encrypts, all decrypt;
# see prakerja/core/crypto.py) and looked up through a keyed blind index. The defaults are
# for development only; production settings require real keys from the environment.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LTAxMjM0NTY3ODlhYmM="])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="dev-only-blind-index-key")

# Argon2id first. The parameters (see prakerja/accounts/hashers.py and docs/architecture.md)
# are OWASP's minimum for Argon2id: registration peaks of 80,000 a minute need a hash that
# costs milliseconds, not the 100 MiB Django default, while staying memory-hard.
PASSWORD_HASHERS = [
    "prakerja.accounts.hashers.PrakerjaArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Indonesian first, English available; UTC storage, Jakarta display.
LANGUAGE_CODE = "id"
# Rupiah are grouped with dots in Indonesian (Rp1.500.000).
USE_THOUSAND_SEPARATOR = False
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "prakerja" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end libraries fetched from the npm registry by `make vendor-js` (Chart.js).
STATICFILES_DIRS = [BASE_DIR / "var" / "vendor" / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# Where `make regions-data` unpacks the idn-area-data npm package (provinces and regencies).
REGIONS_DATA_DIR = Path(
    env.str("REGIONS_DATA_DIR", default=str(BASE_DIR / "var" / "vendor" / "idn-area-data" / "data"))
)

# Uploaded images (KTP photos) are checked from their content, not their name.
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=4 * 1024 * 1024)
# A request body larger than this is not read at all (prakerja.core.uploads.CappedUploadHandler);
# files over UPLOAD_IMAGE_MAX_BYTES are read but not kept, and the form says so.
UPLOAD_REQUEST_MAX_BYTES = env.int("UPLOAD_REQUEST_MAX_BYTES", default=25 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "prakerja.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The camera's burst for a selfie or a session's face check is 18 frames (a liveness challenge:
# one frame, 5 a step, 2 after; at most 20 accepted).
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Photo uploads (KTP, complaint photos) per applicant and per client address (django-ratelimit).
RATELIMIT_UPLOADS_USER = env.str("RATELIMIT_UPLOADS_USER", default="10/h")
RATELIMIT_UPLOADS_IP = env.str("RATELIMIT_UPLOADS_IP", default="200/h")
# Payout-account checks (each a paid inquiry to the provider) per participant and per address, per day.
RATELIMIT_PAYOUT_INQUIRY_USER = env.str("RATELIMIT_PAYOUT_INQUIRY_USER", default="5/d")
RATELIMIT_PAYOUT_INQUIRY_IP = env.str("RATELIMIT_PAYOUT_INQUIRY_IP", default="100/d")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Uploaded files (KTP photos, documents) are private. Local disk by default; an S3-compatible
# bucket when AWS_STORAGE_BUCKET_NAME is set, so that several web machines share them.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=""),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url None: files are never served by URL, only through views that check access.
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Outgoing messages still pending this long after they were queued (their task was lost to a
# broker outage or a dead worker) are queued again by messaging.outbox_sweep.
OUTBOX_REQUEUE_AFTER_S = env.int("OUTBOX_REQUEUE_AFTER_S", default=180)
# Outbound messages. The sandbox is the default everywhere except where a real provider
# is configured explicitly.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="prakerja.messaging.backends.SandboxEmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kartu Prakerja <no-reply@prakerja.local>")
SMS_GATEWAY = env.str("SMS_GATEWAY", default="prakerja.messaging.sms.SandboxSmsGateway")
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_FAILURE_RATE = env.float("SANDBOX_FAILURE_RATE", default=0.0)
SANDBOX_TIMEOUT_RATE = env.float("SANDBOX_TIMEOUT_RATE", default=0.0)

# Identity verification against the civil registry (prakerja/identity): the sandbox is the
# default; its face match and liveness are real (dlib). docs/architecture.md#identity-verification
IDENTITY_PROVIDER = env.str("IDENTITY_PROVIDER", default="prakerja.identity.sandbox.SandboxIdentityProvider")
SANDBOX_IDENTITY_LATENCY_MS = env.int("SANDBOX_IDENTITY_LATENCY_MS", default=0)
SANDBOX_IDENTITY_OUTAGE_RATE = env.float("SANDBOX_IDENTITY_OUTAGE_RATE", default=0.01)
SANDBOX_IDENTITY_MISMATCH_RATE = env.float("SANDBOX_IDENTITY_MISMATCH_RATE", default=0.05)
DUKCAPIL_BASE_URL = env.str("DUKCAPIL_BASE_URL", default="")
DUKCAPIL_CLIENT_ID = env.str("DUKCAPIL_CLIENT_ID", default="")
DUKCAPIL_CLIENT_SECRET = env.str("DUKCAPIL_CLIENT_SECRET", default="")
DUKCAPIL_TIMEOUT_S = env.float("DUKCAPIL_TIMEOUT_S", default=10.0)
IDENTITY_HTTP_RETRIES = env.int("IDENTITY_HTTP_RETRIES", default=2)
# The registry's name similarity threshold (0-100) and our face similarity threshold (0-100,
# 100 * (1 - dlib distance): dlib's 0.6 is 40)
IDENTITY_NAME_THRESHOLD = env.int("IDENTITY_NAME_THRESHOLD", default=90)
FACE_MATCH_MIN_SCORE = env.float("FACE_MATCH_MIN_SCORE", default=45.0)
# Selfie tries per applicant per day (Jakarta), and failed face checks of one training session
# before it goes to the verifiers' review
IDENTITY_SELFIE_TRIES_PER_DAY = env.int("IDENTITY_SELFIE_TRIES_PER_DAY", default=5)
FACE_CHECK_FAILURES_BEFORE_REVIEW = env.int("FACE_CHECK_FAILURES_BEFORE_REVIEW", default=3)
# Seconds a liveness challenge (the steps shown while the burst is taken) may be used, once
LIVENESS_CHALLENGE_TTL_S = env.int("LIVENESS_CHALLENGE_TTL_S", default=120)
# The rollout asking applicants registered before the selfie journey to verify: days before a
# person asked once is reminded, notices at most per person (the first included), channels
# (email, sms), applicants examined per batch (one transaction each)
IDENTITY_ROLLOUT_REMIND_AFTER_DAYS = env.int("IDENTITY_ROLLOUT_REMIND_AFTER_DAYS", default=14)
IDENTITY_ROLLOUT_MAX_NOTICES = env.int("IDENTITY_ROLLOUT_MAX_NOTICES", default=3)
IDENTITY_ROLLOUT_CHANNELS = env.list("IDENTITY_ROLLOUT_CHANNELS", default=["email", "sms"])
IDENTITY_ROLLOUT_BATCH = env.int("IDENTITY_ROLLOUT_BATCH", default=5000)
# Files and columns re-encrypted per transaction by `manage.py rotate_field_keys`
KEY_ROTATION_BATCH = env.int("KEY_ROTATION_BATCH", default=500)
# The face checks run on the `identity` queue (prakerja.identity.services): a registry outage
# is retried after these many seconds, then the person is asked to try later (no try counted).
IDENTITY_REGISTRY_RETRY_S = env.list("IDENTITY_REGISTRY_RETRY_S", cast=int, default=[5, 20, 60])
# The sweep queues a job again when it has been `checking` this long (its worker died) or
# `pending` this long (its message was lost), and gives up on it after IDENTITY_JOB_GIVE_UP_S
# or IDENTITY_JOB_MAX_ATTEMPTS runs.
IDENTITY_JOB_STALE_S = env.int("IDENTITY_JOB_STALE_S", default=120)
IDENTITY_JOB_RESEND_S = env.int("IDENTITY_JOB_RESEND_S", default=300)
IDENTITY_JOB_GIVE_UP_S = env.int("IDENTITY_JOB_GIVE_UP_S", default=900)
IDENTITY_JOB_MAX_ATTEMPTS = env.int("IDENTITY_JOB_MAX_ATTEMPTS", default=4)
# Finished jobs (status and outcome only, the frames long gone) are removed after these days.
IDENTITY_JOB_KEEP_DAYS = env.int("IDENTITY_JOB_KEEP_DAYS", default=7)

# Incentive payouts: the payment provider behind an adapter (prakerja/payments). The sandbox
# is the default; its rates are the realistic ones (docs/architecture.md#incentives-and-payouts).
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="prakerja.payments.sandbox.SandboxPaymentProvider")
SANDBOX_PAYMENT_LATENCY_MS = env.int("SANDBOX_PAYMENT_LATENCY_MS", default=0)
SANDBOX_PAYMENT_FAILURE_RATE = env.float("SANDBOX_PAYMENT_FAILURE_RATE", default=0.02)
SANDBOX_PAYMENT_TIMEOUT_RATE = env.float("SANDBOX_PAYMENT_TIMEOUT_RATE", default=0.01)
SANDBOX_PAYMENT_ERROR_RATE = env.float("SANDBOX_PAYMENT_ERROR_RATE", default=0.005)
SANDBOX_PAYMENT_DUPLICATE_RATE = env.float("SANDBOX_PAYMENT_DUPLICATE_RATE", default=0.02)
SANDBOX_PAYMENT_REVERSAL_RATE = env.float("SANDBOX_PAYMENT_REVERSAL_RATE", default=0.001)
SANDBOX_PAYMENT_CALLBACKS = env.bool("SANDBOX_PAYMENT_CALLBACKS", default=True)
SANDBOX_PAYMENT_CALLBACK_DELAY_S = env.int("SANDBOX_PAYMENT_CALLBACK_DELAY_S", default=30)
# Callbacks from the provider are signed with this shared secret (HMAC-SHA512, SNAP-style).
PAYMENT_CALLBACK_SECRET = env.str("PAYMENT_CALLBACK_SECRET", default="dev-only-payment-callback-secret")
# Where the sandbox posts its callbacks; empty = handed to our receiver in-process.
PAYMENT_CALLBACK_URL = env.str("PAYMENT_CALLBACK_URL", default="")
SNAP_BASE_URL = env.str("SNAP_BASE_URL", default="")
SNAP_CLIENT_ID = env.str("SNAP_CLIENT_ID", default="")
SNAP_CLIENT_SECRET = env.str("SNAP_CLIENT_SECRET", default="")
SNAP_PRIVATE_KEY = env.str("SNAP_PRIVATE_KEY", default="", multiline=True)
SNAP_PARTNER_ID = env.str("SNAP_PARTNER_ID", default="")
SNAP_CHANNEL_ID = env.str("SNAP_CHANNEL_ID", default="95221")
SNAP_TIMEOUT_S = env.float("SNAP_TIMEOUT_S", default=15.0)
# Payout ids per submission task, and how long a claimed chunk may stay silent before the
# sweeper treats its worker as dead and hands the chunk to another.
PAYOUT_CHUNK = env.int("PAYOUT_CHUNK", default=2000)
PAYOUT_STALE_AFTER_S = env.int("PAYOUT_STALE_AFTER_S", default=600)
# Unknown and pending payouts are asked about after this long.
PAYOUT_RESOLVE_AFTER_S = env.int("PAYOUT_RESOLVE_AFTER_S", default=60)

# Celery: Redis broker, PostgreSQL is the source of truth. See docs/architecture.md#celery.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/1")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/2")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default"), Queue("batch"), Queue("payouts"), Queue("webhooks"), Queue("identity")]
CELERY_TASK_ROUTES = {
    "batch.*": {"queue": "batch"},
    "payouts.*": {"queue": "payouts"},
    "webhooks.*": {"queue": "webhooks"},
    # The face checks (dlib, CPU-bound): a worker pool of their own, one process per core.
    "identity.*": {"queue": "identity"},
}
# Tasks are idempotent by design (state lives in rows guarded by constraints), so a message is
# acknowledged only after the task ran, and redelivered if the worker died under it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# Redis redelivers unacknowledged messages after the visibility timeout; it must exceed the
# longest countdown/ETA we use (webhook retries back off up to 6 hours) and any task run time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_SEND_TASK_EVENTS = False
# django-celery-beat's database scheduler, running only the project's own jobs.
CELERY_BEAT_SCHEDULER = "prakerja.core.beat:ProjectScheduler"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "partners.api.errors.partner_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"partner": env.str("PARTNER_API_THROTTLE", default="6000/min")},
    "UNAUTHENTICATED_USER": None,
}
# Partner API requests are logged per request (evaluation's API error rate) and kept this long.
API_LOG_RETENTION_DAYS = env.int("API_LOG_RETENTION_DAYS", default=400)
# People who never became participants (no card): after this many days without activity their
# KTP photo is deleted and their identity anonymised (applicants.privacy.retention, docs/privacy.md).
PRIVACY_NON_PARTICIPANT_RETENTION_DAYS = env.int("PRIVACY_NON_PARTICIPANT_RETENTION_DAYS", default=730)
# Participants' records back money movements: kept while the card is active and this long after it
# was closed or revoked (10 years, as financial records), then anonymised like the others.
PRIVACY_FINANCIAL_RETENTION_DAYS = env.int("PRIVACY_FINANCIAL_RETENTION_DAYS", default=3650)
PRIVACY_RETENTION_BATCH = env.int("PRIVACY_RETENTION_BATCH", default=20000)
# The request log is written in batches per server process (partners.api.services.api_log).
API_LOG_BUFFER_ROWS = env.int("API_LOG_BUFFER_ROWS", default=200)
API_LOG_FLUSH_SECONDS = env.float("API_LOG_FLUSH_SECONDS", default=2.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Kartu Prakerja Partner API",
    "VERSION": "1.2.0",  # docs/partner-api.md, "Versioning and changelog"
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation's error answers, headers and the API's description (partners/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partners.api.schema.partner_api_postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PurchaseStatusEnum": "partners.models.purchase.PurchaseStatus",
        "DeliveryStatusEnum": "partners.models.webhooks.DeliveryStatus",
        "SandboxPurchaseStatusEnum": "partners.api.schema.SANDBOX_STATUS_CHOICES",
    },
    # Swagger UI assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# A staff session idle this long is logged out (PMO screens hold personal data and money).
STAFF_IDLE_TIMEOUT_S = env.int("STAFF_IDLE_TIMEOUT_S", default=30 * 60)
# Staff must pass a TOTP code (authenticator app) to use the admin; always on in production.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=False)
# /readyz names the failing dependency and its error only for this bearer token (empty: none)
# or for direct requests from these networks; everyone else sees up or down.
READYZ_TOKEN = env.str("READYZ_TOKEN", default="")
READYZ_DETAIL_NETWORKS = env.list("READYZ_DETAIL_NETWORKS", default=["127.0.0.0/8", "::1/128"])
OTP_TOTP_ISSUER = "Kartu Prakerja PMO"
# The TOTP device admin never shows a device's secret key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The admin home's figures are recomputed by a job this often (and on "refresh now").
DASHBOARD_REFRESH_S = env.int("DASHBOARD_REFRESH_S", default=10 * 60)
# The public open-data page (/data/): how long a CDN or browser may keep the page and the
# latest downloads (a dated release never changes: a day), how long each web process keeps
# its own copy, and the licence every download states.
OPEN_DATA_MAX_AGE_S = env.int("OPEN_DATA_MAX_AGE_S", default=5 * 60)
OPEN_DATA_RELEASE_MAX_AGE_S = env.int("OPEN_DATA_RELEASE_MAX_AGE_S", default=24 * 3600)
OPEN_DATA_PROCESS_CACHE_S = env.int("OPEN_DATA_PROCESS_CACHE_S", default=60)
OPEN_DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
OPEN_DATA_PUBLISHER = "Manajemen Pelaksana Program Kartu Prakerja (PMO)"
# Complaints: hours (calendar) each category may stay unresolved before it shows as overdue.
COMPLAINT_SLA_HOURS = {
    "registration": 72,
    "selection": 120,
    "purchase": 48,
    "training": 72,
    "incentive": 72,
    "platform": 72,
    "other": 120,
}
# Clawback: days a participant found ineligible has to repay.
CLAWBACK_REPAY_DAYS = env.int("CLAWBACK_REPAY_DAYS", default=60)
# A verifier decides an appeal against a block within this many days (overdue after).
APPEAL_DECIDE_DAYS = env.int("APPEAL_DECIDE_DAYS", default=14)
# Appeal evidence photos (KTP, KK, selfie) are deleted this long after the decision (retention job).
APPEAL_EVIDENCE_RETENTION_DAYS = env.int("APPEAL_EVIDENCE_RETENTION_DAYS", default=365)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ADMIN_SITE_HEADER = _("Kartu Prakerja — PMO")

# Password given to every demo account by `manage.py seed_demo` (which refuses to run with DEBUG off).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Prakerja-Demo-2026")
DEMO_CREDENTIALS_PATH = Path(env.str("DEMO_CREDENTIALS_PATH", default=str(BASE_DIR / "var" / "demo-credentials.json")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every successful login at INFO; lockouts are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
