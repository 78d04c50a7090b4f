"""Settings for the Component Forensics Catalog.

Everything that differs between a laptop and production comes from the environment, with defaults that
are safe for a newcomer (SQLite under var/, tasks in-process). Production mode (DEBUG off) refuses to
start without a real SECRET_KEY, because signed sessions and tokens guard evidence.
"""

import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
INSECURE_DEV_KEY = "insecure-dev-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == INSECURE_DEV_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG off) refuses to start with the default key: "
            "set SECRET_KEY to a long random value, or set DEBUG=1 for local development."
        )
    SECRET_KEY = INSECURE_DEV_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "forensics",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "forensics.urls"
WSGI_APPLICATION = "forensics.wsgi.application"
ASGI_APPLICATION = "forensics.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forensics.context_processors.role",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or "pytest" in sys.modules
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: photos are streamed to disk above 2.5 MB; the API checks its own 40 MB limit per image.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 40 * 1024 * 1024))
# Evidence photos (docs/evidence.md): pixel limit per image, files per upload request, processing
# attempts before a photo is marked failed, and how long a photo may sit pending/processing before
# the sweep re-enqueues it.
MAX_UPLOAD_PIXELS = int(os.environ.get("MAX_UPLOAD_PIXELS", 100_000_000))
MAX_UPLOAD_FILES = int(os.environ.get("MAX_UPLOAD_FILES", 50))
PHOTO_PROCESSING_MAX_ATTEMPTS = int(os.environ.get("PHOTO_PROCESSING_MAX_ATTEMPTS", 5))
PHOTO_STALE_SECONDS = int(os.environ.get("PHOTO_STALE_SECONDS", 600))
# Catalog uploads import in the background (catalog/import_jobs.py): a job running longer than
# this lost its worker and is run again; a crashing import is tried this many times.
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_BYTES", 200 * 1024 * 1024))
CATALOG_IMPORT_STALE_SECONDS = int(os.environ.get("CATALOG_IMPORT_STALE_SECONDS", 1800))
CATALOG_IMPORT_MAX_ATTEMPTS = int(os.environ.get("CATALOG_IMPORT_MAX_ATTEMPTS", 3))
# The dashboard's aggregates are cached (Django's default per-process cache) under a key that
# changes with every audited write; this only bounds how long a racing write can go unseen.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", 60))

REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate: Token` header makes an anonymous call a 401 (sign in),
    # not a 403 (forbidden); signed-in browsers still authenticate by session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "forensics.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {},
    "EXCEPTION_HANDLER": "forensics.api.exceptions.exception_handler",
}
FILTERS_EMPTY_CHOICE_LABEL = "Any"  # django-filter choice fields in pages and the browsable API
SPECTACULAR_SETTINGS = {
    "TITLE": "Component Forensics Catalog API",
    "DESCRIPTION": (
        "Catalog of electronic components found in recovered weapons: parts, manufacturers and their "
        "owners, markings resolved to parts, findings, trace requests and supply chains."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: a real broker when CELERY_BROKER_URL is set; otherwise tasks run in-process (eagerly), so
# `make run` needs no broker. The outbox and the sweep make delivery durable either way.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["sweep-stale-photos"] = {
    "task": "forensics.tasks.sweep_stale_photos",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["sweep-unresolved-findings"] = {
    "task": "forensics.tasks.sweep_unresolved_findings",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["sweep-catalog-imports"] = {
    "task": "catalog.sweep_import_jobs",
    "schedule": 300.0,
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "forensics@localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Notifications and webhooks (docs/notifications.md). Webhooks go to public HTTPS addresses only;
# tests and local receivers widen that with WEBHOOK_ALLOWED_NETWORKS / WEBHOOK_ALLOW_HTTP_HOSTS.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
WEBHOOK_ALLOW_HTTP_HOSTS = env_list("WEBHOOK_ALLOW_HTTP_HOSTS", [])
try:
    for _network in WEBHOOK_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_NETWORKS: {exc}")
NOTIFICATION_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFICATION_RETRY_BASE_SECONDS", "30"))
NOTIFICATION_RETRY_MAX_DELAY_SECONDS = float(
    os.environ.get("NOTIFICATION_RETRY_MAX_DELAY_SECONDS", "3600")
)
NOTIFICATION_RETRY_WINDOW_SECONDS = float(
    os.environ.get("NOTIFICATION_RETRY_WINDOW_SECONDS", str(24 * 3600))
)
NOTIFICATION_CLAIM_TIMEOUT_SECONDS = float(
    os.environ.get("NOTIFICATION_CLAIM_TIMEOUT_SECONDS", "300")
)
NOTIFICATION_REQUEUE_AFTER_SECONDS = float(
    os.environ.get("NOTIFICATION_REQUEUE_AFTER_SECONDS", "120")
)
NOTIFICATION_SWEEP_BATCH = int(os.environ.get("NOTIFICATION_SWEEP_BATCH", "5000"))
NOTIFICATION_TASK_BATCH = int(os.environ.get("NOTIFICATION_TASK_BATCH", "20"))
NOTIFICATION_SEND_THREADS = int(os.environ.get("NOTIFICATION_SEND_THREADS", "8"))
# A deployment or test run sharing a broker with others keeps its tasks on a queue of its own
# (start its workers with `-Q <name>`).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
NOTIFICATION_DIGEST_MAX_RUNS = int(os.environ.get("NOTIFICATION_DIGEST_MAX_RUNS", "3"))
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {"task": "notifications.sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["notifications-digest"] = {
    "task": "notifications.send_digests",
    "schedule": crontab(hour=int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "7")), minute=0),
}

# Trace requests and screening (docs/tracing.md, docs/screening.md).
SCREENING_THRESHOLD = float(os.environ.get("SCREENING_THRESHOLD", "88"))
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "TraceStateEnum": "forensics.models.traces.TraceState",
        "TraceAnswerKindEnum": "forensics.models.traces.AnswerKind",
        "PhotoStateEnum": "forensics.models.evidence.PhotoState",
        "NotificationStateEnum": "forensics.models.notifications.NotificationState",
        "DeliveryStateEnum": "forensics.models.notifications.DeliveryState",
        "NotificationKindEnum": "forensics.models.notifications.NotificationKind",
        "WeaponKindEnum": "forensics.models.weapons.WeaponKind",
        "ImportJobStateEnum": "catalog.models_imports.ImportJobState",
    }
)
GRAPH_MAX_EDGES = int(os.environ.get("GRAPH_MAX_EDGES", "5000"))
CELERY_BEAT_SCHEDULE["trace-requests-due"] = {"task": "traces.process_due", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["screening-sweep"] = {"task": "screening.sweep", "schedule": 300.0}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
