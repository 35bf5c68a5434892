"""Test settings: the database comes from LIANXIN_DATABASE_URL (SQLite by default)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"lianxin-test-media-{os.getpid()}"
LIANXIN["ANON_SUBMIT_RATE"] = env_rate("LIANXIN_ANON_SUBMIT_RATE", "1000/h")  # noqa: F405
LIANXIN["OPEN311_POST_RATE"] = env_rate("LIANXIN_OPEN311_POST_RATE", "10000/h")  # noqa: F405
LIANXIN["OPEN311_AUTH_FAIL_RATE"] = env_rate("LIANXIN_OPEN311_AUTH_FAIL_RATE", "10000/h")  # noqa: F405
LIANXIN["TRIAGE_MODEL_PATH"] = os.environ.get("LIANXIN_TRIAGE_MODEL", "")  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "localhost", "127.0.0.1"]  # noqa: F405
# Each test process keeps its own audit anchor file (tests override it with tmp_path).
LIANXIN["AUDIT_ANCHOR_PATH"] = os.path.join(tempfile.mkdtemp(prefix="lianxin-test-"), "audit-anchor.log")  # noqa: F405
