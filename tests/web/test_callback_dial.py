"""The dial button for a sealed call-back number (回访): the call goes out through the telephony
(core/dialer.py), the look is audited, and the number is never on the page."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.audit.models import AuditEntry
from lianxin.core.dialer import LoggingDialer
from tests.appeals.helpers import replied, submit

pytestmark = pytest.mark.django_db
SEALED = "13566667777"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_replied(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = submit(
        district,
        anonymous=True,
        contact_name="",
        contact_phone="",
        contact_consent=False,
        callback_phone=SEALED,
    )
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city)
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已处理。")
    LoggingDialer.outbox.clear()
    return appeal


def test_the_queue_and_the_case_page_offer_the_dial_button_not_the_number(district, anonymous_replied):
    client = _client(district.operator)
    queue = client.get("/staff/callbacks/").content.decode()
    assert f'id="dial-{anonymous_replied.pk}"' in queue
    assert SEALED not in queue
    assert "7777" not in queue
    case = client.get(f"/staff/appeals/{anonymous_replied.pk}/").content.decode()
    assert 'id="dial-sealed"' in case
    assert "7777" not in case


def test_dialling_places_the_call_and_audits_it(district, anonymous_replied):
    client = _client(district.operator)
    response = client.post(
        f"/staff/appeals/{anonymous_replied.pk}/callback/dial/", {"next": "queue"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/staff/callbacks/"
    page = response.content.decode()
    assert "已通过话务系统拨出" in page
    assert "7777" not in page
    (call,) = LoggingDialer.outbox
    assert call.number == SEALED
    assert anonymous_replied.tracking_number in call.reference
    entry = AuditEntry.objects.filter(
        object_id=str(anonymous_replied.pk), data__purpose="callback_sealed_call"
    ).get()
    assert entry.actor_id == district.operator.pk
    assert entry.data["call_id"] == call.call_id
    back = client.post(f"/staff/appeals/{anonymous_replied.pk}/callback/dial/")  # default: the case page
    assert back.status_code == 302
    assert back["Location"].endswith(f"/staff/appeals/{anonymous_replied.pk}/#action-callback")


def test_an_appeal_without_a_sealed_number_is_told_and_nothing_is_dialled(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = replied(district)
    LoggingDialer.outbox.clear()
    response = _client(district.dispatcher).post(f"/staff/appeals/{appeal.pk}/callback/dial/", follow=True)
    assert response.status_code == 200
    assert "没有留回访电话" in response.content.decode()
    assert LoggingDialer.outbox == []


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("handler_city", 403),
        ("supervisor", 403),
        ("grid_worker_a", 403),
        ("handler_env", 404),
        ("leader_b", 404),
        ("resident", 403),
    ],
)
def test_dial_refusals(district, anonymous_replied, who, code):
    response = _client(getattr(district, who)).post(f"/staff/appeals/{anonymous_replied.pk}/callback/dial/")
    assert response.status_code == code, who
    assert LoggingDialer.outbox == []


def test_dial_is_post_only_and_needs_a_login(district, anonymous_replied):
    assert (
        _client(district.operator).get(f"/staff/appeals/{anonymous_replied.pk}/callback/dial/").status_code
        == 405
    )
    anonymous = Client().post(f"/staff/appeals/{anonymous_replied.pk}/callback/dial/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert LoggingDialer.outbox == []
