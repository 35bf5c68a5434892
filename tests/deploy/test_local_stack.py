"""scripts/deploy-local.sh brings the production stack up; an appeal submitted through nginx is
taken in, dispatched, and the unit's notification is delivered by the Celery worker (real Redis)."""

from __future__ import annotations

import re
import time

import pytest

from lianxin.appeals.models import Appeal, Status
from lianxin.notifications.models import Notification
from tests.factories import District

from .stack import require_stack, start_stack

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(tmp_path, tmp_path_factory):
    require_stack()
    stack = start_stack(
        tmp_path, static_dir=tmp_path_factory.getbasetemp() / "deploy-static", web_servers=1, workers=1
    )
    yield stack
    stack.script("down")


def test_an_appeal_through_nginx_is_dispatched_and_the_worker_notifies_the_unit(stack):
    district = District()
    # nginx: TLS with the generated certificate, HTTP redirected, static files served by nginx itself
    assert stack.request("GET", "/readyz").json()["status"] == "ready"
    static = stack.request("GET", "/static/web/favicon.svg")
    assert static.status == 200
    assert static.headers["server"].startswith("nginx")
    assert "immutable" in static.headers.get("cache-control", "")

    answer = stack.request(
        "POST",
        "/api/v1/appeals",
        body={
            "text": "幸福小区3栋门口的路灯坏了一个星期，晚上看不清路，老人容易摔倒。",
            "kind": "complaint",
            "category": "CJ-LD",
            "area": "G1",
            "anonymous": True,
        },
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert answer.status == 201, answer.body[:500]
    assert answer.headers.get("x-request-id")  # nginx's id reached the app and came back
    appeal = Appeal.objects.get(tracking_number=answer.json()["tracking_number"])
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit_id == district.unit_city.pk

    deadline = time.monotonic() + 30
    while not Notification.objects.filter(user=district.handler_city).exists():
        assert time.monotonic() < deadline, (
            "the worker never delivered the notification:\n" + stack.logs("worker-1")[-3000:]
        )
        time.sleep(0.3)
    assert "lianxin.notifications.tasks.deliver_notification" in stack.logs("worker-1")

    # `lianxin deploy check` on this host, with the stack's env file: the services answer
    check = stack.deploy_check("--url", f"https://127.0.0.1:{stack.https_port}", "--insecure")
    for item in ("database", "migrations", "cache", "broker", "workers", "web", "time zone"):
        assert re.search(rf"^OK +{item} ", check.stdout, re.M), check.stdout
    assert "through PgBouncer" not in check.stdout  # this stack connects straight to PostgreSQL

    status = stack.script("status")
    assert status.returncode == 0
    assert "up   worker-1" in status.stdout
    assert "up   beat-1" in status.stdout
