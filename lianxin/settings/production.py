"""Production settings: PostgreSQL, Redis broker, secure cookies. Everything still comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

# Marks a production deployment: commands that only make sense on a demo (seed) refuse to run.
LIANXIN_PRODUCTION = True

if not os.environ.get("LIANXIN_SECRET_KEY"):
    raise ImproperlyConfigured("Set LIANXIN_SECRET_KEY in the environment for production.")
if not os.environ.get("LIANXIN_AUDIT_KEY"):
    raise ImproperlyConfigured("Set LIANXIN_AUDIT_KEY (the audit chain's HMAC key) in the environment for production.")
if not os.environ.get("LIANXIN_DATA_KEYS") or not os.environ.get("LIANXIN_LOOKUP_KEY"):
    raise ImproperlyConfigured(
        "Set LIANXIN_DATA_KEYS (Fernet keys, comma separated, the first encrypts) and LIANXIN_LOOKUP_KEY "
        "(the HMAC key of phone/ID lookups) in the environment for production; see docs/outreach.md."
    )
SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
