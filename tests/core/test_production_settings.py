"""Production refuses what only suits a demo, and `check --deploy` is clean under its settings."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "lianxin.settings.production",
    "LIANXIN_SECRET_KEY": secrets.token_urlsafe(60),
    "LIANXIN_AUDIT_KEY": secrets.token_urlsafe(40),
    "LIANXIN_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "LIANXIN_BROKER_URL": "redis://127.0.0.1:6379/3",
    "LIANXIN_CACHE_URL": "redis://127.0.0.1:6379/4",
    "LIANXIN_ALLOWED_HOSTS": "lianxin.example.gov.cn",
    "LIANXIN_DATA_KEYS": "Dk1sn5mqHBKUQ5Zu5rdrtYm6Y8Il3wO6oWh8DbMvjoQ=",
    "LIANXIN_LOOKUP_KEY": secrets.token_urlsafe(40),
    "PATH": "/usr/bin:/bin",
    "PYTHONPATH": str(ROOT),
}


def _django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("LIANXIN_DATABASE_URL", "Production runs on PostgreSQL"),
        ("LIANXIN_BROKER_URL", "LIANXIN_BROKER_URL"),
        ("LIANXIN_CACHE_URL", "rate limits and login lockouts must be shared"),
        ("LIANXIN_AUDIT_KEY", "LIANXIN_AUDIT_KEY"),
        ("LIANXIN_SECRET_KEY", "LIANXIN_SECRET_KEY"),
        ("LIANXIN_DATA_KEYS", "LIANXIN_DATA_KEYS"),
        ("LIANXIN_LOOKUP_KEY", "LIANXIN_LOOKUP_KEY"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in GOOD.items() if k != missing}
    out = _django(env, "check")
    assert out.returncode != 0, out.stderr[-1500:]
    assert message in out.stderr, out.stderr[-1500:]


def test_production_refuses_sqlite():
    out = _django({**GOOD, "LIANXIN_DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "check")
    assert out.returncode != 0
    assert "Production runs on PostgreSQL" in out.stderr


def test_check_deploy_is_clean_under_production_settings():
    out = _django(GOOD, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout[-1500:] + out.stderr[-1500:]


def test_production_requires_two_factors_for_the_powerful_roles():
    code = (
        "import django;django.setup();from django.conf import settings;"
        "print(sorted(settings.LIANXIN['TWO_FACTOR_ROLES']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=GOOD,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert out.stdout.strip() == "['admin', 'dispatcher', 'leader', 'supervisor']", out.stderr[-1500:]
