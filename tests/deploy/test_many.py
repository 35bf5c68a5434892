"""More than one of everything: two app servers, two Celery workers and one beat on one PostgreSQL
(through PgBouncer in transaction mode, as deployed) and one Redis — then a second beat started by
mistake. Appeals go in through both servers and
through nginx; every periodic job runs every second on whichever worker takes it.

Nothing may happen twice: no appeal created or dispatched twice, no deadline flagged twice, no
notification sent twice, no event folded twice into the rollups; a session made on one server is
valid on the other; a rate limit counts the requests of both servers; each server's duplicate
index finds what the other took in.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.core.models import JobLease
from lianxin.notifications.models import Notification
from lianxin.org.services import api_token_create
from lianxin.supervision.models import KpiStreetTotalDaily, Watermark
from tests.factories import District

from .stack import Stack, require_stack, start_stack

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
CLIENTS, EACH = 4, 6
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def stack(tmp_path, tmp_path_factory):
    require_stack()
    stack = start_stack(
        tmp_path,
        static_dir=tmp_path_factory.getbasetemp() / "deploy-static",
        web_servers=2,
        workers=2,
        beats=1,
        extra_env={
            "LIANXIN_SWEEP_SECONDS": "1",
            "LIANXIN_SUPERVISION_REFRESH_SECONDS": "1",
            "LIANXIN_ANON_SUBMIT_RATE": "5/h",
        },
        pgbouncer=True,
    )
    yield stack
    stack.script("down")


def _wait(what: str, done: Callable[[], bool], stack: Stack, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what} within {seconds} s:\n"
                + stack.logs("worker-1")[-2000:]
                + stack.logs("worker-2")[-2000:]
            )
        time.sleep(0.3)


def _submit_everywhere(stack: Stack, key: str) -> dict[str, str]:
    """CLIENTS threads; each request to server A, server B or nginx in turn."""
    targets = [*stack.web_ports, None]
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(EACH):
            answer = stack.request(
                "POST",
                "/api/v1/appeals",
                port=targets[(n + i) % len(targets)],
                body={
                    "text": f"第{n}组第{i}件：幸福小区{n}栋{i}单元门口路灯不亮，晚上看不清路。",
                    "kind": "complaint",
                    "category": "CJ-LD",
                    "area": "G1",
                    "contact_name": "张三",
                    "contact_phone": "13812341234",
                    "contact_consent": True,
                },
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"m-{n}-{i}"},
            )
            assert answer.status == 201, answer.body[:300]
            with lock:
                acknowledged[f"m-{n}-{i}"] = answer.json()["tracking_number"]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return acknowledged


def _login(stack: Stack, port: int, username: str) -> str:
    origin = {"Origin": f"https://127.0.0.1:{stack.https_port}"}
    page = stack.request("GET", "/accounts/login/", port=port)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert page.status == 200, page.status
    assert token, page.status
    answer = stack.request(
        "POST",
        "/accounts/login/",
        port=port,
        form={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()},
        headers={**origin, "Cookie": f"csrftoken={page.cookies['csrftoken']}"},
    )
    assert answer.status == 302, (answer.status, answer.body[:300])
    assert "sessionid" in answer.cookies, (answer.status, answer.body[:300])
    return answer.cookies["sessionid"]


def _sessions_are_shared(stack: Stack, district: District) -> None:
    """A session made on server A is valid on server B."""
    port_a, port_b = stack.web_ports
    district.handler_city.password = PBKDF2PasswordHasher().encode(PASSWORD, "deploysalt")
    district.handler_city.save(update_fields=["password"])
    session = _login(stack, port_a, "handler_city")
    assert (
        stack.request("GET", "/staff/", port=port_b, headers={"Cookie": f"sessionid={session}"}).status == 200
    )
    assert stack.request("GET", "/staff/", port=port_b).status == 302  # and without it, no way in


def _rate_limits_are_shared(stack: Stack) -> None:
    """The anonymous rate limit (5/h per client address) counts the requests of both servers."""
    port_a, port_b = stack.web_ports

    def anonymous(port: int, address: str) -> int:
        return stack.request(
            "POST",
            "/api/v1/appeals",
            port=port,
            headers={"X-Forwarded-For": address},
            body={
                "text": "和平社区2栋楼道灯坏了好几天，晚上上下楼很不方便。",
                "kind": "complaint",
                "category": "CJ-LD",
                "area": "G2",
                "anonymous": True,
            },
        ).status

    assert [anonymous(port, "198.51.100.7") for port in (port_a, port_b, port_a, port_b, port_a)] == [201] * 5
    assert anonymous(port_b, "198.51.100.7") == 429
    assert anonymous(port_a, "198.51.100.8") == 201  # another address has its own allowance


def _duplicate_index_is_consistent(stack: Stack, key: str) -> None:
    """Each server keeps its own index of recent appeals and brings it up to date from the database
    before each lookup: an appeal taken in by one server is found as a duplicate by the other."""
    text = "幸福小区5号楼下水道堵塞，污水漫到路面，气味很大，请尽快疏通。"
    numbers = []
    for n, port in enumerate(stack.web_ports):
        answer = stack.request(
            "POST",
            "/api/v1/appeals",
            port=port,
            body={
                "text": text,
                "kind": "complaint",
                "category": "CJ-LD",
                "area": "G1",
                "contact_name": "李四",
                "contact_phone": "13912345678",
                "contact_consent": True,
            },
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"dup-{n}"},
        )
        assert answer.status == 201, answer.body[:300]
        numbers.append(answer.json()["tracking_number"])
    on_b = Appeal.objects.get(tracking_number=numbers[1]).suggestion or {}
    assert numbers[0] in {hint["tracking_number"] for hint in on_b.get("duplicates", [])}, on_b


def _deadlines_flagged_once(stack: Stack, district: District) -> None:
    """Every deadline passes at once: each is flagged exactly once, each unit told once."""
    now = timezone.now()
    live = Appeal.objects.filter(status=Status.DISPATCHED)
    count = live.count()
    live.update(accept_due_at=now - dt.timedelta(hours=2), resolve_due_at=now - dt.timedelta(hours=1))
    _wait(
        "every deadline flagged",
        lambda: live.filter(overdue=True, accept_overdue=True).count() == count,
        stack,
    )
    time.sleep(3)  # several more sweeps by both beats on both workers
    for kind in (EventType.OVERDUE, EventType.ACCEPT_OVERDUE):
        flagged = Counter(AppealEvent.objects.filter(type=kind).values_list("appeal_id", flat=True))
        assert len(flagged) == count, kind
        assert set(flagged.values()) == {1}, kind
    _wait(
        "every notification delivered",
        lambda: Notification.objects.filter(user=district.handler_city).count() >= 3 * count,
        stack,
    )
    sent = Counter(Notification.objects.values_list("user_id", "link", "kind"))
    assert sent, "no notification was delivered"
    assert max(sent.values()) == 1, "a notification was delivered twice"


def _events_folded_once(stack: Stack) -> None:
    """The rollup fold on both workers, twice a second: every event folded exactly once."""
    with connection.cursor() as cursor:  # settle every event (the fold leaves the last 120 s alone)
        cursor.execute("UPDATE appeals_appealevent SET at = at - interval '1 hour'")
    last = AppealEvent.objects.aggregate(m=Max("id"))["m"]
    _wait(
        "the rollups caught up",
        lambda: Watermark.objects.filter(name="kpi", last_id__gte=last).exists(),
        stack,
    )
    totals = KpiStreetTotalDaily.objects.aggregate(received=Sum("received"), assigned=Sum("assigned"))
    assert (
        totals["received"]
        == AppealEvent.objects.filter(type=EventType.SUBMITTED).count()
        == Appeal.objects.count()
    )
    assert totals["assigned"] == AppealEvent.objects.filter(type=EventType.DISPATCHED).count()


def test_two_servers_two_workers_and_a_second_beat_do_nothing_twice(stack):
    started = time.monotonic()
    district = District()
    _token, key = api_token_create(user=district.operator, name="many")
    assert "LIANXIN_DB_PGBOUNCER=1" in (stack.prefix / "etc" / "lianxin.env").read_text()

    # appeals through both servers and nginx: every acknowledged one exists exactly once, dispatched once
    acknowledged = _submit_everywhere(stack, key)
    assert len(acknowledged) == CLIENTS * EACH
    appeals = Appeal.objects.filter(tracking_number__in=acknowledged.values())
    assert appeals.count() == CLIENTS * EACH == Appeal.objects.count()
    assert set(appeals.values_list("status", flat=True)) == {Status.DISPATCHED}
    dispatches = Counter(
        AppealEvent.objects.filter(type=EventType.DISPATCHED).values_list("appeal_id", flat=True)
    )
    assert len(dispatches) == CLIENTS * EACH
    assert set(dispatches.values()) == {1}

    _sessions_are_shared(stack, district)
    _rate_limits_are_shared(stack)
    _duplicate_index_is_consistent(stack, key)

    # a second beat by mistake: every periodic job now queued twice a second
    second = stack.script("up", DEPLOY_BEATS="2", DEPLOY_SKIP_CHECK="1")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "up   beat-2" in stack.script("status").stdout
    _deadlines_flagged_once(stack, district)
    _events_folded_once(stack)

    # both workers did periodic work; the leases were taken again and again
    for worker in ("worker-1", "worker-2"):
        assert "lianxin.appeals.tasks.sweep_deadlines" in stack.logs(
            worker
        ) or "lianxin.supervision.tasks.periodic_refresh" in stack.logs(worker), worker
    leases = dict(JobLease.objects.values_list("name", "runs"))
    assert leases["appeals.deadline-sweep"] > 3
    assert leases["supervision.refresh"] > 3
    assert time.monotonic() - started < 90
