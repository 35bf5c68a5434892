"""Rating by SMS digit: the provider's inbound callback (signed), the resident's 1/2/3 counted as
their rating once within the window, and a clear answer by text to everything else."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.core.sms import MemorySmsBackend, inbound_signature
from tests.appeals.helpers import replied, submit

pytestmark = pytest.mark.django_db

SECRET = "test-inbound-secret"
PHONE = "13812341234"  # the helpers' resident


@pytest.fixture
def outbox(settings):
    settings.LIANXIN = {
        **settings.LIANXIN,
        "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend",
        "SMS_INBOUND_SECRET": SECRET,
        "AUTO_DISPATCH": False,
    }
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


def _post(body: dict | bytes, *, secret: str = SECRET, ts: int | None = None, signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    ts = int(time.time()) if ts is None else ts
    headers: dict[str, Any] = {
        "HTTP_X_LIANXIN_TIMESTAMP": str(ts),
        "HTTP_X_LIANXIN_SIGNATURE": signature
        if signature is not None
        else inbound_signature(secret, ts, raw),
    }
    return Client().post("/api/v1/sms/inbound", data=raw, content_type="application/json", **headers)


def _reply(text: str, number: str = PHONE):
    return _post({"from": number, "text": text, "id": "m1"})


def test_the_reply_notice_invites_a_digit(district, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        replied(district)
    assert "回复 1 满意" in outbox[-1].text
    assert outbox[-1].text.endswith("/")
    assert outbox[-1].number == PHONE


def test_a_digit_rates_once(district, outbox):
    appeal = replied(district)
    response = _reply(" ２ ")  # full-width, spaces: still 2
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "rated"
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "basic"
    event = AppealEvent.objects.get(appeal=appeal, type=EventType.RATED)
    assert event.data["via"] == "sms"
    assert event.data["satisfaction"] == "basic"
    assert outbox[-1].number == PHONE
    assert "基本满意" in outbox[-1].text
    again = _reply("3")
    assert again.json()["outcome"] == "already_rated"
    assert "只能评价一次" in outbox[-1].text
    appeal.refresh_from_db()
    assert appeal.satisfaction == "basic"
    assert AppealEvent.objects.filter(appeal=appeal, type=EventType.RATED).count() == 1


def test_a_wrong_reply_gets_a_clear_answer_and_rates_nothing(district, outbox):
    appeal = replied(district)
    for text in ("好", "4", "12", ""):
        response = _reply(text)
        assert response.json()["outcome"] == "bad_reply", text
        assert "1 满意，2 基本满意，3 不满意" in outbox[-1].text
        assert appeal.tracking_number in outbox[-1].text
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED


def test_too_late_and_unknown_numbers_are_told_what_to_do(district, outbox, settings):
    appeal = replied(district)
    Appeal.objects.filter(pk=appeal.pk).update(replied_at=timezone.now() - dt.timedelta(days=8))
    late = _reply("1")
    assert late.json()["outcome"] == "expired"
    assert "7 天" in late.json()["answer"]
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED
    unknown = _reply("1", number="13700000000")
    assert unknown.json()["outcome"] == "no_appeal"
    assert outbox[-1].number == "13700000000"


def test_the_latest_reply_is_the_one_rated(district, outbox):
    older = replied(district)
    newer = replied(district, text="幸福小区5栋门口路灯也坏了，晚上看不清路，请一起修。")
    assert _reply("3").json()["outcome"] == "rated"
    assert Appeal.objects.get(pk=newer.pk).satisfaction == "dissatisfied"
    assert Appeal.objects.get(pk=older.pk).status == Status.REPLIED


def test_an_anonymous_appeal_is_never_matched(district, outbox):
    appeal = submit(
        district,
        anonymous=True,
        contact_name="",
        contact_phone="",
        contact_consent=False,
        callback_phone=PHONE,
    )
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city)
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已修复。")
    assert _reply("1").json()["outcome"] == "no_appeal"
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED


def test_unsigned_stale_and_misconfigured_callbacks_are_refused(district, outbox, settings):
    appeal = replied(district)
    body = {"from": PHONE, "text": "1"}
    assert _post(body, signature="sha256=00").status_code == 403
    assert _post(body, secret="another").status_code == 403
    assert _post(body, ts=int(time.time()) - 3600).status_code == 403
    no_header = Client().post("/api/v1/sms/inbound", data=json.dumps(body), content_type="application/json")
    assert no_header.status_code == 403
    assert no_header.json()["error"] == "bad_signature"
    settings.LIANXIN = {**settings.LIANXIN, "SMS_INBOUND_SECRET": ""}
    off = _post(body)
    assert off.status_code == 403
    assert "LIANXIN_SMS_INBOUND_SECRET" in off.json()["message"]
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED
    assert not [m for m in outbox if "感谢评价" in m.text]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1]",
        json.dumps({"text": "1"}).encode(),
        json.dumps({"from": PHONE}).encode(),
        json.dumps({"from": PHONE, "text": "1" * 301}).encode(),
        json.dumps({"from": "1" * 31, "text": "1"}).encode(),
        json.dumps({"from": PHONE, "text": 1}).encode(),
        b"{" + b" " * 5000 + b"}",
    ],
)
def test_malformed_signed_callbacks_are_a_400(district, outbox, body):
    response = _post(body)
    assert response.status_code == 400, (body[:40], response.content)
    assert response.json()["field"] == "body"


def test_the_webhook_is_in_the_openapi_document(api):
    operation = api.get("/openapi.json").json()["paths"]["/api/v1/sms/inbound"]["post"]
    props = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["text"]["maxLength"] == 300
    assert "X-Lianxin-Signature" in operation["requestBody"]["description"]


def test_a_flood_from_one_number_is_refused_without_texts(district, outbox, settings):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_INBOUND_RATE": "3/h"}
    appeal = replied(district)
    answers = [_reply("你好").status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    sent = len(outbox)
    flood = _reply("1")
    assert flood.status_code == 429, flood.content
    assert "过于频繁" in flood.json()["message"]
    assert flood.has_header("Retry-After")
    assert len(outbox) == sent  # no paid answer to a flood
    appeal.refresh_from_db()
    assert appeal.satisfaction in ("", None)  # the refused digit rated nothing
    other = _reply("你好", number="13912345678")  # another sender is not held back
    assert other.status_code == 200
