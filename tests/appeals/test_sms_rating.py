"""SMS: the tracking number on intake, the reply notice with a signed, single-use, expiring rating link."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import AppealEvent, EventType, Status
from lianxin.appeals.sms import rating_link_token
from lianxin.core.sms import MemorySmsBackend
from tests.appeals.helpers import replied, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


def test_intake_and_reply_send_the_number_and_a_link_that_rates_once(district, settings, outbox):
    appeal = replied(district, settings=settings)
    texts = [m.text for m in outbox if m.number == "13812341234"]
    assert appeal.tracking_number in texts[0]
    assert "/rate/" in texts[-1]
    path = texts[-1][texts[-1].index("/rate/") :]
    page = Client().get(path)
    assert page.status_code == 200
    assert "已处理完毕" in page.content.decode()
    assert Client().post(path, {"satisfaction": "dissatisfied"}).status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "dissatisfied"
    assert AppealEvent.objects.get(appeal=appeal, type=EventType.RATED).data["via"] == "sms"
    used = Client().post(path, {"satisfaction": "satisfied"})  # single use
    assert used.status_code == 409
    assert "已经用过" in used.content.decode()


def test_bad_expired_and_bad_digit_are_refused(district, settings, outbox):
    appeal = replied(district, settings=settings)
    token = rating_link_token(appeal)
    assert Client().get(f"/rate/{token}x/").status_code == 400
    bad = Client().post(f"/rate/{token}/", {"satisfaction": "7"})
    assert bad.status_code == 400
    settings.LIANXIN = {**settings.LIANXIN, "RATING_LINK_DAYS": 0}
    expired = Client().get(f"/rate/{token}/")
    assert expired.status_code == 409
    assert "过期" in expired.content.decode()


def test_anonymous_without_a_number_gets_no_sms(district, settings, outbox):
    submit(
        district, settings=settings, anonymous=True, contact_name="", contact_phone="", contact_consent=False
    )
    assert outbox == []


def test_a_link_from_before_a_reopening_no_longer_rates(district, settings, outbox):
    appeal = replied(district, settings=settings)
    old = rating_link_token(appeal)
    services.appeal_rate(appeal=appeal, actor=Actor.resident(), satisfaction="dissatisfied", solved=False)
    services.appeal_reopen(appeal=appeal, actor=Actor.resident(), reason="没修好")
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已重新维修。")
    assert Client().get(f"/rate/{old}/").status_code == 409
