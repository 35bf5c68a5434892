"""The files in deploy/ agree with the code: every variable the code reads is in the env template,
every placeholder in a template is one scripts/deploy-local.sh fills in."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:environ(?:\.get)?\(|environ\[|env_bool\(|env_rate\(|_require\()\s*["'](LIANXIN_[A-Z0-9_]+)"""
)


def _read_by_code() -> set[str]:
    found: set[str] = set()
    for path in [*(ROOT / "lianxin").rglob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]:
        found |= set(READS.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_env_template_lists_every_variable_the_code_reads():
    template = (ROOT / "deploy" / "lianxin.env.template").read_text(encoding="utf-8")
    listed = set(re.findall(r"\b(LIANXIN_[A-Z0-9_]+)=", template))
    read = _read_by_code()
    assert len(read) > 40  # the pattern really finds the reads
    assert read - listed == set(), "add these to deploy/lianxin.env.template"


def test_every_placeholder_is_filled_by_the_local_deploy_script():
    script = (ROOT / "scripts" / "deploy-local.sh").read_text(encoding="utf-8")
    for path in (ROOT / "deploy").rglob("*"):
        if path.is_file() and path.suffix in {".service", ".conf", ".ini", ".template"}:
            for name in set(re.findall(r"@([A-Z_]+)@", path.read_text(encoding="utf-8"))):
                assert f"@{name}@" in script, f"{path.name}: @{name}@ is not filled by deploy-local.sh"


def test_pgbouncer_runs_in_transaction_mode_and_the_settings_follow():
    ini = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text(encoding="utf-8")
    assert re.search(r"^pool_mode = transaction$", ini, re.M)
    import os
    import subprocess
    import sys

    code = (
        "import django;django.setup();from django.conf import settings as s;"
        "d=s.DATABASES['default'];print(d.get('DISABLE_SERVER_SIDE_CURSORS'), d['CONN_MAX_AGE'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lianxin.settings.base",
        "PYTHONPATH": str(ROOT),
        "LIANXIN_DATABASE_URL": "postgres://u@127.0.0.1:6432/lianxin",
        "LIANXIN_DB_PGBOUNCER": "1",
        "LIANXIN_DB_CONN_MAX_AGE": "0",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["True", "0"]
