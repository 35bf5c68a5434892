"""Base settings, configured from the environment only.

Environment variables:
- LIANXIN_DATABASE_URL: database URL (default: SQLite file under LIANXIN_DATA_DIR, WAL mode).
- LIANXIN_BROKER_URL: Celery broker (e.g. redis://127.0.0.1:6379/0). Unset: tasks run in-process.
- LIANXIN_SECRET_KEY, LIANXIN_DEBUG, LIANXIN_ALLOWED_HOSTS (comma separated).
- LIANXIN_DATA_DIR: where the embedded database, uploads and models live (default ./var).
- LIANXIN_EMAIL_URL-like settings: LIANXIN_EMAIL_HOST, LIANXIN_EMAIL_PORT, LIANXIN_DEFAULT_FROM_EMAIL.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Django's generic classes become subscriptable at run time (`admin.ModelAdmin[Area]`,
# `forms.ModelForm[Area]`), as the type checker wants them written. Adds `__class_getitem__` only.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_rate(name: str, default: str) -> str:
    """A rate limit "<count>/<unit>" (unit s, m, h or d, e.g. "300/h"), checked at start-up."""
    value = os.environ.get(name, default).strip()
    count, _sep, unit = value.partition("/")
    if not (count.strip().isdigit() and unit.strip()[:1] in {"s", "m", "h", "d"}):
        raise ImproperlyConfigured(f'{name}="{value}" is not a rate: write e.g. "300/h" (unit s, m, h or d).')
    return value


DATA_DIR = Path(os.environ.get("LIANXIN_DATA_DIR", PROJECT_ROOT / "var")).resolve()

SECRET_KEY = os.environ.get("LIANXIN_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("LIANXIN_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("LIANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("LIANXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lianxin.core",
    "lianxin.org",
    "lianxin.audit",
    "lianxin.worktime",
    "lianxin.notifications",
    "lianxin.appeals",
    "lianxin.mediation",
    "lianxin.learning",
    "lianxin.api",
    "lianxin.open311",
    "lianxin.web",
    "lianxin.supervision",
    "lianxin.reports",
    "lianxin.outreach",
    "lianxin.proactive",
    "lianxin.consultations",
    "lianxin.demo",
    "lianxin.accounts",
    "lianxin.deployment",
    "lianxin.activities",
    "lianxin.integrations",
    "lianxin.opendata",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

# True only in settings/production.py: demo-only commands (seed) refuse to run there.
LIANXIN_PRODUCTION = False

MIDDLEWARE = [
    "lianxin.core.ops.requestid.RequestIdMiddleware",  # first: every log line of the request carries it
    "lianxin.core.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.ChineseFirstLocaleMiddleware",
    "lianxin.core.nul.RefuseNulMiddleware",  # before anything reads an input
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lianxin.accounts.middleware.StaffSessionMiddleware",  # idle/absolute timeouts, second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lianxin.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login with our page
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"
ASGI_APPLICATION = "lianxin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_from_url(url: str | None) -> dict[str, Any]:
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'lianxin.sqlite3'}"
    max_age = int(os.environ.get("LIANXIN_DB_CONN_MAX_AGE", "60"))
    # health checks: a persistent connection the server dropped is replaced, not a 500 (defect 5)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=True))
    if env_bool("LIANXIN_DB_PGBOUNCER"):
        # PgBouncer in transaction mode: a server connection serves another client after each
        # transaction, so no server-side cursor (named cursors outlive it) and no session state.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    return config


DATABASES = {"default": database_from_url(os.environ.get("LIANXIN_DATABASE_URL"))}
# A streaming replica for dashboards and reports (lianxin/core/replicas.py); writes stay on default.
if os.environ.get("LIANXIN_REPLICA_DATABASE_URL"):
    DATABASES["replica"] = database_from_url(os.environ["LIANXIN_REPLICA_DATABASE_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["lianxin.core.replicas.ReplicaRouter"]
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = (
        3  # a dead replica: the primary, quickly
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
with contextlib.suppress(OSError):  # whitenoise expects the folder; collectstatic fills it
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

# Background work: Celery on a broker when configured, in-process otherwise.
BROKER_URL = os.environ.get("LIANXIN_BROKER_URL", "")
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "lianxin.appeals.tasks.sweep_deadlines",
        "schedule": float(os.environ.get("LIANXIN_SWEEP_SECONDS", "300")),
    },
    "supervision-refresh": {
        "task": "lianxin.supervision.tasks.periodic_refresh",
        "schedule": float(os.environ.get("LIANXIN_SUPERVISION_REFRESH_SECONDS", "600")),
    },
    "mediation-deadline-sweep": {"task": "lianxin.mediation.tasks.sweep_deadlines", "schedule": 3600.0},
    "retention": {"task": "lianxin.core.tasks.retention_daily", "schedule": 24 * 3600.0},
    "partitions": {"task": "lianxin.core.tasks.partitions_daily", "schedule": 24 * 3600.0},
    "outreach-coverage-sweep": {"task": "lianxin.outreach.tasks.sweep_coverage", "schedule": 3600.0},
    "proactive-propose": {"task": "lianxin.proactive.tasks.propose", "schedule": 24 * 3600.0},
    "activities-sweep": {"task": "lianxin.activities.tasks.sweep", "schedule": 900.0},
    "webhook-sweep": {"task": "lianxin.integrations.tasks.sweep", "schedule": 60.0},
}
# When no broker is configured, `lianxin serve` runs the periodic sweeps in a thread.
INPROCESS_SCHEDULER_SECONDS = int(os.environ.get("LIANXIN_INPROCESS_SCHEDULER_SECONDS", "300"))

EMAIL_BACKEND = os.environ.get("LIANXIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("LIANXIN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LIANXIN_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("LIANXIN_DEFAULT_FROM_EMAIL", "lianxin@localhost")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("LIANXIN_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["LIANXIN_CACHE_URL"],
        }
    }

# Domain settings
LIANXIN: dict[str, Any] = {
    "TRACKING_PREFIX": "LX",
    # Webhooks (lianxin.integrations, docs/integrations.md)
    "WEBHOOK_TIMEOUT": float(os.environ.get("LIANXIN_WEBHOOK_TIMEOUT", "5")),
    "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("LIANXIN_WEBHOOK_MAX_ATTEMPTS", "8")),
    "WEBHOOK_BACKOFF_SECONDS": float(os.environ.get("LIANXIN_WEBHOOK_BACKOFF_SECONDS", "30")),
    "WEBHOOK_PAUSE_AFTER": int(os.environ.get("LIANXIN_WEBHOOK_PAUSE_AFTER", "10")),
    # internal receivers admitted despite the SSRF guard (host names, addresses or networks)
    "WEBHOOK_ALLOWED_HOSTS": [
        h.strip() for h in os.environ.get("LIANXIN_WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()
    ],
    "AUTO_DISPATCH": env_bool("LIANXIN_AUTO_DISPATCH", True),
    "AUTO_DISPATCH_MIN_CONFIDENCE": float(os.environ.get("LIANXIN_AUTO_DISPATCH_MIN_CONFIDENCE", "0.8")),
    "DUE_SOON_HOURS": int(os.environ.get("LIANXIN_DUE_SOON_HOURS", "24")),
    "AUTO_CLOSE_DAYS": int(os.environ.get("LIANXIN_AUTO_CLOSE_DAYS", "7")),
    # call-back (回访): unrated replies are queued this many days after the reply (before the
    # auto-close); a resident not reached after this many calls is closed as unreachable
    "CALLBACK_QUEUE_DAYS": int(os.environ.get("LIANXIN_CALLBACK_QUEUE_DAYS", "3")),
    "CALLBACK_MAX_ATTEMPTS": int(os.environ.get("LIANXIN_CALLBACK_MAX_ATTEMPTS", "3")),
    "HOTLINE_NUMBER": os.environ.get("LIANXIN_HOTLINE_NUMBER", "12345"),  # shown on the home page
    "HOTLINE_DISTRICT": os.environ.get("LIANXIN_HOTLINE_DISTRICT", ""),
    "PHONE_SEARCH_RATE": env_rate("LIANXIN_PHONE_SEARCH_RATE", "60/h"),  # per user, audited (defect 2)
    "ANON_SUBMIT_RATE": env_rate("LIANXIN_ANON_SUBMIT_RATE", "20/h"),
    # Open311 POSTs per API token's account (partners forward many residents: generous) and
    # refused api_key attempts per client IP (after which that IP may not POST for the window).
    "OPEN311_CONTACT": os.environ.get("LIANXIN_OPEN311_CONTACT", ""),  # shown in discovery.json
    "OPEN311_POST_RATE": env_rate("LIANXIN_OPEN311_POST_RATE", "300/h"),
    "OPEN311_AUTH_FAIL_RATE": env_rate("LIANXIN_OPEN311_AUTH_FAIL_RATE", "30/h"),
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "MAX_ATTACHMENTS": 6,
    "TRIAGE_TIME_BUDGET_SECONDS": float(os.environ.get("LIANXIN_TRIAGE_TIME_BUDGET", "1.0")),
    "TRIAGE_MODEL_PATH": os.environ.get(
        "LIANXIN_TRIAGE_MODEL", str(DATA_DIR / "models" / "triage-category.model")
    ),
    # The near-duplicate index of recent appeals (docs/triage.md "Duplicates"): empty = each process
    # keeps its own (embedded); an address ("/run/lianxin/dupindex.sock" or "127.0.0.1:8790") = the
    # one index server of the host (`lianxin duplicate_index serve`) that every worker asks.
    "DUPLICATE_INDEX_ADDRESS": os.environ.get("LIANXIN_DUPLICATE_INDEX", ""),
    # How long intake waits for the index server before it goes on without duplicate hints.
    "DUPLICATE_INDEX_TIMEOUT_SECONDS": float(os.environ.get("LIANXIN_DUPLICATE_INDEX_TIMEOUT", "2.0")),
    # How far back duplicates are looked for (days of submitted appeals held by the index).
    "DUPLICATE_WINDOW_DAYS": int(os.environ.get("LIANXIN_DUPLICATE_WINDOW_DAYS", "30")),
    # Key of the audit chain's HMAC; empty = derived from SECRET_KEY (dev/test only; production must set it).
    "AUDIT_KEY": os.environ.get("LIANXIN_AUDIT_KEY", ""),
    # Retired audit keys, oldest first (comma separated): entries and anchors written under them still verify.
    "AUDIT_OLD_KEYS": [k for k in os.environ.get("LIANXIN_AUDIT_OLD_KEYS", "").split(",") if k],
    # Signed checkpoints of the audit chain's head, kept outside the database.
    # Retention per data kind in days ("appeal_contact=1095,notifications=365"): core/retention.py
    "RETENTION_DAYS": {},
    # Telephony that places a call without showing the number (sealed call-back contacts): core/dialer.py
    "DIALER": os.environ.get("LIANXIN_DIALER", ""),
    "SMS_BACKEND": os.environ.get("LIANXIN_SMS_BACKEND", ""),  # core/sms.py; default: log only
    "RATING_LINK_DAYS": int(os.environ.get("LIANXIN_RATING_LINK_DAYS", "7")),
    # the shared secret of the inbound-SMS webhook (core/sms.py); empty: inbound messages refused
    "SMS_INBOUND_SECRET": os.environ.get("LIANXIN_SMS_INBOUND_SECRET", ""),
    # signed inbound messages answered per sender number (each answer is a paid text message)
    "SMS_INBOUND_RATE": env_rate("LIANXIN_SMS_INBOUND_RATE", "10/h"),
    "PUBLIC_BASE_URL": os.environ.get("LIANXIN_PUBLIC_BASE_URL", ""),  # for links in text messages
    # a consultation without a 决策公布 phase owes its decision this many days after collecting ends
    "CONSULTATION_DECISION_DAYS": int(os.environ.get("LIANXIN_CONSULTATION_DECISION_DAYS", "30")),
    # Bearer token for /metrics; unset, only the local host may read it.
    "METRICS_TOKEN": os.environ.get("LIANXIN_METRICS_TOKEN", ""),
    "AUDIT_ANCHOR_PATH": os.environ.get("LIANXIN_AUDIT_ANCHOR_PATH", str(DATA_DIR / "audit-anchor.log")),
    # Encryption of personal data at rest (core/crypto.py): Fernet keys, the first encrypts, all decrypt;
    # and the HMAC key of exact-match lookups. Empty: a fixed development key (refused in production).
    "DATA_KEYS": [k.strip() for k in os.environ.get("LIANXIN_DATA_KEYS", "").split(",") if k.strip()],
    "LOOKUP_KEY": os.environ.get("LIANXIN_LOOKUP_KEY", ""),
    # Pages that read a replica read the primary instead when the replica lags more (seconds).
    "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("LIANXIN_REPLICA_MAX_LAG_SECONDS", "300")),
}

LOG_FORMAT = os.environ.get("LIANXIN_LOG_FORMAT", "text")  # "json": one JSON object per line
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # phones and proofs never reach a log line (access logs carry query strings): core/logredact.py
    "filters": {
        "redact": {"()": "lianxin.core.logredact.RedactFilter"},
        "request_id": {"()": "lianxin.core.ops.requestid.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "lianxin.core.ops.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # loggers with handlers of their own: the filter on the logger itself
        "django.server": {"filters": ["redact"]},
        "gunicorn.access": {"filters": ["redact"]},
        "gunicorn.error": {"filters": ["redact"]},
        "axes": {"level": "WARNING"},  # one INFO line per login otherwise; lockouts are audited
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# --- Security: logins, sessions, proxies, content policy (docs/security.md) ---------------------
# Proxies whose X-Forwarded-For is believed (CIDRs, comma separated); nobody else's header is read.
LIANXIN["TRUSTED_PROXIES"] = [
    p.strip() for p in os.environ.get("LIANXIN_TRUSTED_PROXIES", "").split(",") if p.strip()
]
if LIANXIN["TRUSTED_PROXIES"]:
    # the proxy terminates TLS and says so; only then is the header believed
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "display_name", "first_name", "last_name", "email", "phone")
        },
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout (django-axes): 5 failures lock the account, and separately the address, for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LIANXIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LIANXIN_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: per account and per address
AXES_CLIENT_IP_CALLABLE = "lianxin.accounts.signals.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "lianxin.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two factors (django-otp, TOTP + recovery codes) for these roles; production requires them.
LIANXIN["TWO_FACTOR_ROLES"] = [
    r.strip() for r in os.environ.get("LIANXIN_TWO_FACTOR_ROLES", "").split(",") if r.strip()
]
OTP_TOTP_ISSUER = "Lianxin 连心"
# Wrong codes are limited per user by accounts.services (10 an hour, with a message saying how long
# to wait); django-otp's own silent exponential delay would refuse a right code typed just after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Staff sessions end after 30 minutes idle and 12 hours in all (residents keep Django's default).
LIANXIN["STAFF_IDLE_SECONDS"] = int(os.environ.get("LIANXIN_STAFF_IDLE_MINUTES", "30")) * 60
LIANXIN["STAFF_ABSOLUTE_SECONDS"] = int(os.environ.get("LIANXIN_STAFF_SESSION_HOURS", "12")) * 3600

# Content Security Policy (django-csp): scripts and styles only from our own origin, no inline code.
# The API's interactive docs (Swagger UI styles itself inline) widen style-src on that page alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


def _retention_days(spec: str) -> dict[str, int]:
    """ "appeal_contact=1095, notifications=365" → {"appeal_contact": 1095, "notifications": 365}."""
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _sep, value = item.partition("=")
        if not value.strip().isdigit():
            raise ImproperlyConfigured(
                f'LIANXIN_RETENTION_DAYS: "{item}" is not kind=days (e.g. appeal_contact=1095)'
            )
        out[key.strip()] = int(value)
    return out


LIANXIN["RETENTION_DAYS"] = _retention_days(os.environ.get("LIANXIN_RETENTION_DAYS", ""))

# Open data (docs/opendata.md): the smallest published cell of the monthly appeal export.
LIANXIN_OPENDATA_K = int(os.environ.get("LIANXIN_OPENDATA_K", "5"))
