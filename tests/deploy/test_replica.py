"""A streaming replica on loopback (pg_basebackup of a private primary): the supervision dashboard
reads from it — an appeal committed on the primary while the replica's replay is paused is not
on the page, and is once replay resumes — and the page shows the replica's lag. Reads outside
`reading_from_replica()`, and inside it while a transaction is open, stay on the primary."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from .stack import ROOT, database_url, free_port

pytestmark = pytest.mark.django_db
BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


def _run(*cmd: str, env: dict[str, str] | None = None, timeout: int = 120) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    assert out.returncode == 0, f"{' '.join(cmd[:6])} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture
def clusters():
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's: it runs on the PostgreSQL pass")
    if not (BIN / "pg_basebackup").exists() or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs PostgreSQL 15's server binaries (and runuser when root)")
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root needs a postgres user to own the clusters")
    base = Path(tempfile.mkdtemp(prefix="lianxin-replica-"))
    if os.geteuid() == 0:
        os.chown(base, user.pw_uid, user.pw_gid)
    primary, replica = base / "primary", base / "replica"
    ports = free_port(), free_port()
    options = "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -k " + str(base)
    started: list[Path] = []
    try:
        _run(
            *_as_postgres(
                str(BIN / "initdb"),
                "-D",
                str(primary),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        )
        _run(
            *_as_postgres(
                str(BIN / "pg_ctl"),
                "-D",
                str(primary),
                "-w",
                "-l",
                str(base / "primary.log"),
                "-o",
                f"-p {ports[0]} {options}",
                "start",
            )
        )
        started.append(primary)
        _run(
            str(BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(ports[0]),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE lianxin",
        )
        url = f"postgres://postgres@127.0.0.1:{ports[0]}/lianxin"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lianxin.settings.test",
            "PYTHONPATH": str(ROOT),
            "LIANXIN_DATABASE_URL": url,
        }
        _run(sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0", env=env, timeout=240)
        _run(
            *_as_postgres(
                str(BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ports[0]),
                "-U",
                "postgres",
                "-D",
                str(replica),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            )
        )
        _run(
            *_as_postgres(
                str(BIN / "pg_ctl"),
                "-D",
                str(replica),
                "-w",
                "-l",
                str(base / "replica.log"),
                "-o",
                f"-p {ports[1]} {options}",
                "start",
            )
        )
        started.append(replica)
        yield {
            **env,
            "LIANXIN_REPLICA_DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports[1]}/lianxin",
            "LIANXIN_AUDIT_ANCHOR_PATH": str(base / "anchor.log"),
        }
    finally:
        for cluster in reversed(started):
            subprocess.run(
                _as_postgres(str(BIN / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "stop"),
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


def test_the_dashboard_reads_from_the_replica_and_shows_its_lag(clusters):
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "deploy" / "replica_probe.py")],
        env=clusters,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["status"] == [200, 200]
    assert seen["primary_overdue"] == 2
    assert seen["paused_shows"] == [True, False], "the dashboard read the primary, not the replica"
    assert seen["resumed_shows"] == [True, True]
    assert seen["notice"]
    assert seen["lag_paused"]
    assert float(seen["lag_paused"]) >= 1
    # the router: the replica only inside the block, and never while a primary transaction is open
    assert seen["counts"] == {"outside": 2, "replica": 1, "in_transaction": 2}
    # further behind than LIANXIN_REPLICA_MAX_LAG_SECONDS: the page reads the primary and says nothing
    assert seen["too_far_shows"] == [True, True]
    assert not seen["too_far_notice"]


@pytest.mark.django_db(transaction=True)
def test_a_dead_replica_leaves_the_dashboard_to_the_primary():
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's: it runs on the PostgreSQL pass")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lianxin.settings.test",
        "PYTHONPATH": str(ROOT),
        "LIANXIN_DATABASE_URL": database_url(),
        "LIANXIN_REPLICA_DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nothing",
    }
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "deploy" / "replica_probe.py"), "dead"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"status": 200, "shows": True, "notice": False}
