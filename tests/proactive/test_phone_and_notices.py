"""Subscribing by a verified phone (no account), SMS notices with the unsubscribe link, and the
notices / planned works (停水停电、施工) that staff publish for an area and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from lianxin.core.errors import ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.notifications.models import Notification
from lianxin.proactive import notices, services
from lianxin.proactive.models import Notice, NoticeStatus, Subscription

pytestmark = pytest.mark.django_db
PHONE = "13700002222"


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _verified_client(sms_outbox, phone: str = PHONE) -> Client:
    c = Client()
    assert c.post("/proactive/subscriptions/", {"step": "send_code", "phone": phone}).status_code == 302
    assert (
        c.post(
            "/proactive/subscriptions/", {"step": "verify_code", "code": sms_outbox.code(phone)}
        ).status_code
        == 302
    )
    return c


def _period(hours: int = 2) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now() + dt.timedelta(days=1)
    return start, start + dt.timedelta(hours=hours)


def test_subscribe_by_phone_without_an_account(district, sms_outbox, django_capture_on_commit_callbacks):
    anon = Client()
    page = anon.get("/proactive/subscriptions/").content.decode()
    assert "获取验证码" in page
    assert "订阅" in page
    assert anon.post("/proactive/subscriptions/", {"area": "S1"}).status_code == 403  # not verified yet
    assert not Subscription.objects.exists()
    c = _verified_client(sms_outbox)
    assert "137****2222" in c.get("/proactive/subscriptions/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post("/proactive/subscriptions/", {"area": "S1"}).status_code == 302
    sub = Subscription.objects.get()
    assert sub.user is None
    assert sub.phone == PHONE
    assert "已订阅“东街道”" in sms_outbox.to(PHONE)[-1]
    assert sub.token in sms_outbox.to(PHONE)[-1]
    with connection.cursor() as cursor:  # the number is not in the table in the clear
        cursor.execute("SELECT phone, phone_hash FROM proactive_subscription")
        assert PHONE not in " ".join(cursor.fetchone())
    assert c.post("/proactive/subscriptions/", {"area": "NOPE"}).status_code == 400
    assert sub.token in c.get("/proactive/subscriptions/").content.decode()
    assert (
        sub.token not in Client().get("/proactive/subscriptions/").content.decode()
    )  # another browser: no proof


def test_bad_code_on_the_page_is_a_clear_400(district, sms_outbox):
    c = Client()
    c.post("/proactive/subscriptions/", {"step": "send_code", "phone": PHONE})
    code = sms_outbox.code(PHONE)
    r = c.post(
        "/proactive/subscriptions/",
        {"step": "verify_code", "code": "000000" if code != "000000" else "111111"},
    )
    assert r.status_code == 400
    assert "验证码不正确" in r.content.decode()
    r = c.post("/proactive/subscriptions/", {"step": "send_code", "phone": "010-12345678"})
    assert r.status_code == 400
    assert "手机" in r.content.decode()


def test_phone_subscription_service_rules(district):
    with pytest.raises(ForbiddenError):
        services.subscription_create_for_phone(phone="", area=district.street_a)
    with pytest.raises(ValidationFailedError):
        services.subscription_create_for_phone(phone=PHONE)
    a = services.subscription_create_for_phone(phone=PHONE, area=district.street_a)
    assert services.subscription_create_for_phone(phone=PHONE, area=district.street_a) == a  # once per target
    account = services.subscription_create(user=district.resident, area=district.street_a)
    assert account != a


def test_publishing_a_notice_tells_account_and_phone_subscribers(
    district, sms_outbox, django_capture_on_commit_callbacks
):
    phone_sub = services.subscription_create_for_phone(phone=PHONE, area=district.street_a)
    services.subscription_create(user=district.resident, area=district.community_a)
    services.subscription_create(user=district.other_resident, area=district.street_b)  # elsewhere
    sms_outbox.messages.clear()
    start, end = _period()
    with django_capture_on_commit_callbacks(execute=True):
        notice = notices.notice_publish(
            actor=district.grid_worker_a,
            kind="water",
            title="幸福小区计划停水",
            body="更换水管，请提前储水。",
            area=district.grid_a,
            starts_at=start,
            ends_at=end,
        )
    assert notice.notified == 2
    [text] = sms_outbox.to(PHONE)
    assert "停水通知：幸福小区计划停水" in text
    assert f"/proactive/unsubscribe/{phone_sub.token}/" in text
    assert len(text) <= 300
    assert Notification.objects.filter(user=district.resident, kind="notice").exists()
    assert not Notification.objects.filter(user=district.other_resident).exists()
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_withdraw(actor=district.supervisor, notice=notice, reason="施工改期")
    assert "通知撤回" in sms_outbox.to(PHONE)[-1]
    assert Notice.objects.get().status == NoticeStatus.WITHDRAWN
    with pytest.raises(NotFoundError):
        notices.notice_get_public(notice.pk)


def test_unsubscribed_phone_gets_no_more_notices(district, sms_outbox, django_capture_on_commit_callbacks):
    sub = services.subscription_create_for_phone(phone=PHONE, area=district.street_a)
    assert Client().post(f"/proactive/unsubscribe/{sub.token}/").status_code == 200
    sms_outbox.messages.clear()
    start, end = _period()
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_publish(
            actor=district.admin,
            kind="power",
            title="停电",
            body="检修线路。",
            area=district.street_a,
            starts_at=start,
            ends_at=end,
        )
    assert sms_outbox.to(PHONE) == []


def test_who_may_publish_where(district):
    start, end = _period()
    kw: dict[str, Any] = {
        "kind": "works",
        "title": "道路施工",
        "body": "夜间施工。",
        "starts_at": start,
        "ends_at": end,
    }
    for user, area in (
        (district.grid_worker_a, district.grid_b),
        (district.leader_b, district.street_a),
        (district.operator, district.grid_a),
        (district.dispatcher, district.grid_a),
        (district.resident, district.grid_a),
    ):
        with pytest.raises(ForbiddenError):
            notices.notice_publish(actor=user, area=area, **kw)
    for user, area in (
        (district.grid_worker_a, district.grid_a),
        (district.leader_b, district.community_b),
        (district.handler_city, district.street_a),
        (district.supervisor, district.district),
        (district.admin, district.grid_b),
    ):
        assert notices.notice_publish(actor=user, area=area, **kw).pk
    notice = Notice.objects.filter(area=district.grid_a).first()
    assert notice is not None
    with pytest.raises(NotFoundError):  # not theirs: the same answer as absent
        notices.notice_withdraw(actor=district.leader_b, notice=notice, reason="x")


def test_notice_input_is_checked(district):
    start, end = _period()
    kw = {"actor": district.admin, "kind": "water", "title": "停水", "body": "x", "area": district.grid_a}
    with pytest.raises(ValidationFailedError, match="晚于"):
        notices.notice_publish(**kw, starts_at=end, ends_at=start)
    with pytest.raises(ValidationFailedError, match="已经过去"):
        notices.notice_publish(
            **kw, starts_at=start - dt.timedelta(days=3), ends_at=start - dt.timedelta(days=2)
        )
    with pytest.raises(ValidationFailedError, match="一年"):
        notices.notice_publish(**kw, starts_at=start, ends_at=start + dt.timedelta(days=400))
    with pytest.raises(ValidationFailedError, match="通知类型"):
        notices.notice_publish(**{**kw, "kind": "party"}, starts_at=start, ends_at=end)
    with pytest.raises(ValidationFailedError, match="标题"):
        notices.notice_publish(**{**kw, "title": " "}, starts_at=start, ends_at=end)


def test_notice_pages(district):
    start, end = _period()
    staff = _client(district.grid_worker_a)
    assert staff.get("/proactive/notices/manage/").status_code == 200
    r = staff.post(
        "/proactive/notices/manage/",
        {
            "kind": "water",
            "title": "停水",
            "body": "储水",
            "area": district.grid_b.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 400  # grid B is not theirs: not among the choices
    r = staff.post(
        "/proactive/notices/manage/",
        {
            "kind": "water",
            "title": "幸福小区停水",
            "body": "储水",
            "area": district.grid_a.pk,
            "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302
    notice = Notice.objects.get()
    anon = Client()
    listing = anon.get("/proactive/notices/").content.decode()
    assert "幸福小区停水" in listing
    assert "幸福小区停水" in anon.get("/proactive/notices/?area=C1").content.decode()  # inside the community
    assert "幸福小区停水" not in anon.get("/proactive/notices/?area=C2").content.decode()
    assert "幸福小区停水" not in anon.get("/proactive/notices/?kind=power").content.decode()
    assert anon.get(f"/proactive/notices/{notice.pk}/").status_code == 200
    assert _client(district.resident).get("/proactive/notices/manage/").status_code == 403
    assert (
        _client(district.leader_b)
        .post(f"/proactive/notices/{notice.pk}/withdraw/", {"reason": "x"})
        .status_code
        == 404
    )
    assert staff.post(f"/proactive/notices/{notice.pk}/withdraw/", {"reason": ""}).status_code == 302
    assert Notice.objects.get().status == NoticeStatus.PUBLISHED  # no reason: refused
    staff.post(f"/proactive/notices/{notice.pk}/withdraw/", {"reason": "改期"})
    assert Notice.objects.get().status == NoticeStatus.WITHDRAWN
    assert anon.get(f"/proactive/notices/{notice.pk}/").status_code == 404
