"""The pages: proposals → accept → outcome through the web, bad input as 400, unsubscribe link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.proactive.models import ProactiveTask, Subscription, TaskStatus

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_supervisor_accepts_on_the_page_and_the_owner_records(task, district):
    sup = _client(district.supervisor)
    assert task.title in sup.get("/proactive/proposals/").content.decode()
    page = sup.get(f"/proactive/{task.pk}/").content.decode()
    assert "立项交办" in page
    assert "相关诉求" in page
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    r = sup.post(f"/proactive/{task.pk}/accept/", {"owner_unit": "NOPE", "deadline": deadline})
    assert r.status_code == 400
    assert "没有编码为“NOPE”的单位" in r.content.decode()
    r = sup.post(f"/proactive/{task.pk}/accept/", {"owner_unit": "U-CG", "deadline": "tomorrow"})
    assert r.status_code == 400
    assert "YYYY-MM-DD" in r.content.decode()
    r = sup.post(f"/proactive/{task.pk}/accept/", {"owner_unit": "U-CG", "deadline": deadline})
    assert r.status_code == 302
    handler = _client(district.handler_city)
    assert task.title in handler.get("/proactive/").content.decode()
    assert "反馈办理结果" in handler.get(f"/proactive/{task.pk}/").content.decode()
    assert handler.post(f"/proactive/{task.pk}/outcome/", {"outcome": ""}).status_code == 400
    assert handler.post(f"/proactive/{task.pk}/outcome/", {"outcome": "已全部修复"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    page = handler.get(f"/proactive/{task.pk}/").content.decode()
    assert "已全部修复" in page
    assert "立项前 30 天" in page


@pytest.mark.parametrize("who", ["handler_city", "grid_worker_a", "leader_b", "operator", "resident"])
def test_others_get_404_on_a_proposal_and_403_on_the_list(task, district, who):
    c = _client(getattr(district, who))
    assert c.get(f"/proactive/{task.pk}/").status_code == 404
    assert c.post(f"/proactive/{task.pk}/accept/", {"owner_unit": "U-CG"}).status_code == 404
    assert c.get("/proactive/proposals/").status_code == 403
    assert task.title not in c.get("/proactive/").content.decode()
    assert ProactiveTask.objects.get(pk=task.pk).status == TaskStatus.PROPOSED


def test_subscribe_and_unsubscribe_by_link_without_login(district):
    c = _client(district.resident)
    assert c.post("/proactive/subscriptions/", {}).status_code == 400
    assert c.post("/proactive/subscriptions/", {"area": "NOPE"}).status_code == 400
    assert c.post("/proactive/subscriptions/", {"area": "S1", "category": "CJ"}).status_code == 302
    sub = Subscription.objects.get(user=district.resident)
    assert sub.area == district.street_a
    assert sub.category == district.cat_city
    anon = Client()
    assert "确认退订" in anon.get(f"/proactive/unsubscribe/{sub.token}/").content.decode()
    assert anon.post(f"/proactive/unsubscribe/{sub.token}/").status_code == 200
    assert not Subscription.objects.exists()
    assert anon.get(f"/proactive/unsubscribe/{sub.token}/").status_code == 404


def test_api_lists_a_task_with_its_counts_and_takes_the_outcome(task, district):
    from lianxin.org.services import api_token_create
    from lianxin.proactive import services

    services.task_accept(
        task=task,
        actor=district.supervisor,
        owner_unit=district.unit_city,
        deadline=timezone.localdate() + dt.timedelta(days=5),
    )
    token = api_token_create(user=district.handler_city, name="t")[1]
    h: dict[str, Any]  # extra WSGI keys for Client.get/post
    c, h = Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert [t["id"] for t in c.get("/api/v1/proactive/tasks", **h).json()] == [task.pk]
    detail = c.get(f"/api/v1/proactive/tasks/{task.pk}", **h).json()
    assert detail["owner_unit"] == "U-CG"
    assert len(detail["evidence"]) == 9
    assert detail["after"] == 0
    assert c.get("/api/v1/proactive/tasks?status=nonsense", **h).status_code == 400
    r = c.post(
        f"/api/v1/proactive/tasks/{task.pk}/outcome", {"outcome": ""}, content_type="application/json", **h
    )
    assert r.status_code == 400
    r = c.post(
        f"/api/v1/proactive/tasks/{task.pk}/outcome",
        {"outcome": "已修复"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200
    assert r.json()["status"] == "done"
    r = c.post(
        f"/api/v1/proactive/tasks/{task.pk}/outcome",
        {"outcome": "again"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 403
    other = api_token_create(user=district.handler_env, name="t")[1]
    assert (
        c.get(f"/api/v1/proactive/tasks/{task.pk}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    )
