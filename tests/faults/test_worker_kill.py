"""Faults under load: a web worker killed mid-request and every database connection dropped.

gunicorn (two workers) serves the PostgreSQL test database while eight clients submit appeals
through the API, each with its own idempotency key and retrying, as a real client does, on a
connection error or a 5xx with the same key. Midway one worker is SIGKILLed and every server-side
connection is terminated. Afterwards every acknowledged appeal must be there exactly once, nothing
unacknowledged may have been created twice, and the deadline sweep must still flag every deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from lianxin.appeals.models import Appeal, Status
from lianxin.org.services import api_token_create
from tests.factories import District

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, EACH = 8, 12
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    conf = connection.settings_dict
    return f"postgres://{conf['USER']}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def _post(url: str, key: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


@pytest.fixture
def server(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the fault test needs a database several processes share: it runs on the PostgreSQL pass")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lianxin.settings.test",
        "LIANXIN_DATABASE_URL": _database_url(),
        "LIANXIN_DB_CONN_MAX_AGE": "60",
        "LIANXIN_WARM_START": "0",
        "PYTHONPATH": str(ROOT),
        "LIANXIN_AUDIT_ANCHOR_PATH": str(tmp_path / "anchor.log"),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lianxin.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
    yield base, process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_acknowledged_appeals_survive_a_killed_worker_and_dropped_connections(server, settings):
    from lianxin.appeals.sweeps import sweep_deadlines

    base, master = server
    district = District()
    _token, key = api_token_create(user=district.operator, name="load")
    acknowledged: dict[str, str] = {}
    retries = {"n": 0}
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(EACH):
            idem = f"fault-{n}-{i}"
            body = {
                "text": f"第{n}号客户端第{i}件：幸福小区{n}栋{i}单元门口路灯不亮，晚上看不清路。",
                "kind": "complaint",
                "category": "CJ-LD",
                "area": "G1",
                "contact_name": "张三",
                "contact_phone": "13812341234",
                "contact_consent": True,
            }
            for _attempt in range(8):
                try:
                    status, answer = _post(f"{base}/api/v1/appeals", idem, body, key)
                except OSError:
                    status, answer = 0, {}
                if status in (200, 201):
                    with lock:
                        acknowledged[idem] = answer["tracking_number"]
                    break
                with lock:
                    retries["n"] += 1
                time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < CLIENTS * EACH // 3:
        time.sleep(0.05)
    victims = _worker_pids(master.pid)
    assert victims, "no gunicorn worker found"
    os.kill(victims[0], signal.SIGKILL)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for thread in threads:
        thread.join(timeout=180)
    assert master.poll() is None, "the gunicorn master died"
    print(f"fault test: {retries['n']} retried requests")

    assert len(acknowledged) == CLIENTS * EACH, f"{CLIENTS * EACH - len(acknowledged)} never acknowledged"
    rows = list(Appeal.objects.values_list("tracking_number", "text"))
    assert len(rows) == CLIENTS * EACH, "an appeal was lost or created twice"
    assert {t for t, _text in rows} == set(acknowledged.values())
    assert len({text for _t, text in rows}) == len(rows)

    # every deadline is still swept: move them all into the past and sweep once
    dispatched = Appeal.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED])
    assert dispatched.count() == len(rows), "auto-dispatch should have routed every street-light appeal"
    from django.utils import timezone

    dispatched.update(resolve_due_at=timezone.now() - dt.timedelta(hours=1))
    sweep_deadlines()
    assert not dispatched.filter(overdue=False).exists()
