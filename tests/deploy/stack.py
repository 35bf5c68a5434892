"""The production stack of scripts/deploy-local.sh, started for a test on the test database.

nginx (TLS) → gunicorn app servers → the PostgreSQL test database; Celery workers and beat on the
real Redis. Each process runs the production settings from the rendered env file.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "deploy-local.sh"
REDIS_URL = os.environ.get("LIANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf.get("PASSWORD") else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def require_stack() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the deployed stack shares one PostgreSQL database: it runs on the PostgreSQL pass")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("LIANXIN_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (LIANXIN_REQUIRE_REDIS=1) but not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    prefix: Path
    https_port: int
    web_ports: list[int]
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def script(self, action: str, **extra: str) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(
            ["bash", str(SCRIPT), action],
            env={**self.env, **extra},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        self.log.append(out.stdout + out.stderr)
        return out

    def deploy_check(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`lianxin deploy check` run as an operator would: with the env file of the stack."""
        env = {"PATH": self.env["PATH"], "PYTHONPATH": str(ROOT)}
        for line in (self.prefix / "etc" / "lianxin.env").read_text().splitlines():
            if line and not line.startswith("#") and "=" in line:
                key, _sep, value = line.partition("=")
                env[key] = value
        return subprocess.run(
            [sys.executable, "-m", "django", "deploy", "check", *args],
            env=env,
            cwd=self.prefix / "data",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def logs(self, name: str) -> str:
        path = self.prefix / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def request(
        self,
        method: str,
        path: str,
        *,
        port: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        """Through nginx (TLS) by default; with `port`, straight to one app server as nginx would
        call it (the test is on 127.0.0.1, a trusted proxy: its X-Forwarded-* are believed)."""
        sent = {"Host": "127.0.0.1", **(headers or {})}
        data: bytes | None = None
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, sent["Content-Type"] = (
                urllib.parse.urlencode(form).encode(),
                "application/x-www-form-urlencoded",
            )
        if port is None:
            ctx = ssl.create_default_context(cafile=str(self.prefix / "etc" / "tls" / "cert.pem"))
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.https_port, context=ctx, timeout=30
            )
        else:
            sent.setdefault("X-Forwarded-Proto", "https")
            sent.setdefault("X-Forwarded-For", "192.0.2.10")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=sent)
            answer = conn.getresponse()
            cookies = {}
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    key, _sep, rest = value.partition("=")
                    cookies[key] = rest.split(";", 1)[0]
            return Response(
                answer.status, {k.lower(): v for k, v in answer.getheaders()}, cookies, answer.read()
            )
        finally:
            conn.close()


def start_stack(
    tmp_path: Path,
    *,
    web_servers: int,
    workers: int,
    beats: int = 1,
    extra_env: dict[str, str] | None = None,
    static_dir: Path | None = None,
    pgbouncer: bool = False,
) -> Stack:
    """`static_dir`: collected static files shared by the tests of a session (collected once);
    `pgbouncer`: every process connects through PgBouncer in transaction mode."""
    import redis

    if static_dir is not None:
        static_dir.mkdir(parents=True, exist_ok=True)
        (tmp_path / "stack" / "data").mkdir(parents=True, exist_ok=True)
        (tmp_path / "stack" / "data" / "staticfiles").symlink_to(static_dir, target_is_directory=True)

    redis.Redis.from_url(REDIS_URL).flushdb()  # no message or cache entry of an earlier run
    web_ports = [free_port() for _ in range(web_servers)]
    https_port = free_port()
    from lianxin.core.crypto import data_keys, lookup_key

    # the stack encrypts with the test process's keys, so the test can read what the stack wrote
    extra = {
        "LIANXIN_WARM_START": "0",
        "LIANXIN_TRIAGE_MODEL": "",
        "LIANXIN_TWO_FACTOR_ROLES": "admin",
        "LIANXIN_DATA_KEYS": ",".join(data_keys()),
        "LIANXIN_LOOKUP_KEY": lookup_key().decode(),
        "LIANXIN_AUDIT_ANCHOR_PATH": str(tmp_path / "anchor.log"),
        **(extra_env or {}),
    }
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin",
        "HOME": os.environ.get("HOME", "/root"),
        "LIANXIN_DATABASE_URL": database_url(),
        "LIANXIN_BROKER_URL": REDIS_URL,
        "LIANXIN_CACHE_URL": REDIS_URL,
        "LIANXIN_PYTHON": sys.executable,
        "DEPLOY_PREFIX": str(tmp_path / "stack"),
        "DEPLOY_HTTPS_PORT": str(https_port),
        "DEPLOY_HTTP_PORT": str(free_port()),
        "DEPLOY_WEB_PORTS": " ".join(map(str, web_ports)),
        "DEPLOY_WEB_WORKERS": "1",
        "DEPLOY_WORKERS": str(workers),
        "DEPLOY_WORKER_CONCURRENCY": "2",
        "DEPLOY_BEATS": str(beats),
        "DEPLOY_SYSTEMD": "0",
        "DEPLOY_PGBOUNCER": "1" if pgbouncer else "0",
        "DEPLOY_PGBOUNCER_PORT": str(free_port()),
        "DEPLOY_EXTRA_ENV": "\n".join(f"{k}={v}" for k, v in extra.items()),
    }
    stack = Stack(tmp_path / "stack", https_port, web_ports, env)
    out = stack.script("up")
    if out.returncode != 0:
        logs = "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
            for p in sorted((stack.prefix / "log").glob("*.log"))
        )
        stack.script("down")
        pytest.fail(
            f"deploy-local.sh up failed ({out.returncode}):\n"
            f"{out.stdout[-2000:]}\n{out.stderr[-3000:]}\n{logs}"
        )
    return stack
