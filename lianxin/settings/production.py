"""Production settings: PostgreSQL, a Redis broker and cache, HTTPS, two factors for the powerful roles.

Everything still comes from the environment. The deployment refuses to start rather than fall back
silently to what only suits a demo: SQLite, in-process tasks, a per-process cache (rate limits and
lockouts must be shared by every worker).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

# Marks a production deployment: commands that only make sense on a demo (seed) refuse to run.
LIANXIN_PRODUCTION = True


def _require(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set {name} in the environment for production: {why}.")
    return value


_require("LIANXIN_SECRET_KEY", "it signs sessions and tokens")
_require("LIANXIN_AUDIT_KEY", "the audit chain's HMAC key")
_require(
    "LIANXIN_DATA_KEYS",
    "Fernet keys (comma separated, the first encrypts) for personal data at rest; see docs/outreach.md",
)
_require("LIANXIN_LOOKUP_KEY", "the HMAC key of exact phone/ID lookups; see docs/outreach.md")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    raise ImproperlyConfigured(
        "Production runs on PostgreSQL: set LIANXIN_DATABASE_URL=postgres://user:password@host:5432/name."
    )
_require("LIANXIN_BROKER_URL", "background work runs on Celery with a broker (e.g. redis://host:6379/0)")
_require(
    "LIANXIN_CACHE_URL",
    "rate limits and login lockouts must be shared by all workers (e.g. redis://host:6379/1)",
)

# Two factors for the roles that can change or see the most (LIANXIN_TWO_FACTOR_ROLES overrides).
LIANXIN["TWO_FACTOR_ROLES"] = LIANXIN["TWO_FACTOR_ROLES"] or ["admin", "supervisor", "leader", "dispatcher"]  # noqa: F405

# JSON log lines unless LIANXIN_LOG_FORMAT=text
_console: dict[str, object] = LOGGING["handlers"]["console"]  # type: ignore[index]  # noqa: F405
_console["formatter"] = "json" if os.environ.get("LIANXIN_LOG_FORMAT", "json") == "json" else "text"

# HTTPS: behind a proxy that terminates TLS set LIANXIN_TRUSTED_PROXIES (then X-Forwarded-Proto is believed).
SECURE_SSL_REDIRECT = env_bool("LIANXIN_SSL_REDIRECT", True)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the cluster
SECURE_HSTS_SECONDS = int(os.environ.get("LIANXIN_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LIANXIN_HSTS_SUBDOMAINS", True)  # noqa: F405
SECURE_HSTS_PRELOAD = env_bool("LIANXIN_HSTS_PRELOAD", True)  # noqa: F405
SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
