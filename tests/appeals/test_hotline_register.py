"""`hotline_call_register`: the hotline workflow as a service, without the web page."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.appeals.actors import Actor
from lianxin.appeals.hotline import HotlineCall, hotline_call_register
from lianxin.appeals.models import Appeal, Channel, Status
from lianxin.core.errors import ForbiddenError, ValidationFailedError

pytestmark = pytest.mark.django_db


def call(**overrides):
    data: dict[str, Any] = {
        "contact_phone": "13912345678",
        "contact_name": "王五",
        "text": "请问老年证在哪里办理？",
        "kind": "inquiry",
        "area_code": "C1",
        "contact_consent": True,
    }
    data.update(overrides)
    return HotlineCall(**data)


def test_an_inquiry_answered_on_the_spot_is_registered_and_closed(district):
    outcome = hotline_call_register(
        call=call(answer="  在街道便民服务中心办理。 "), actor=Actor.staff(district.operator)
    )
    appeal = Appeal.objects.get()
    assert outcome.answered
    assert not outcome.answer_error
    assert outcome.appeal.pk == appeal.pk
    assert appeal.channel == Channel.HOTLINE
    assert appeal.status == Status.CLOSED
    assert appeal.reply_text == "在街道便民服务中心办理。"


def test_without_an_answer_the_appeal_waits_for_dispatch(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    outcome = hotline_call_register(
        call=call(kind="complaint", text="楼下烧烤油烟大"), actor=Actor.staff(district.dispatcher)
    )
    assert not outcome.answered
    assert outcome.appeal.status == Status.SUBMITTED


def test_a_complaint_cannot_be_answered_on_the_spot(district):
    with pytest.raises(ValidationFailedError) as caught:
        hotline_call_register(
            call=call(kind="complaint", answer="好的"), actor=Actor.staff(district.operator)
        )
    assert caught.value.field == "answer"
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("role", ["handler_city", "grid_worker_a", "supervisor", "leader_b", "resident"])
def test_roles_that_take_no_calls_are_refused(district, role):
    with pytest.raises(ForbiddenError):
        hotline_call_register(call=call(), actor=Actor.staff(getattr(district, role)))
    assert Appeal.objects.count() == 0


def test_a_retried_form_returns_the_first_appeal(district):
    actor = Actor.staff(district.operator)
    first = hotline_call_register(call=call(answer="在街道办理。"), actor=actor, idempotency_key="k-1")
    again = hotline_call_register(call=call(answer="在街道办理。"), actor=actor, idempotency_key="k-1")
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1
    assert not again.answered  # already closed: not answered twice
