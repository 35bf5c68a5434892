"""The call-back flow (回访) by keyboard alone, in a real browser: from the call-back queue, the
operator dials an anonymous resident's sealed number (never shown), opens the call-back form on
the case page, records one unanswered call, then the resident's answer — which becomes their
rating. Every step is Tab, arrows, Space and Enter; nothing is clicked."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.core.dialer import LoggingDialer

from .conftest import DESKTOP, check_a11y, login

pytestmark = [pytest.mark.browser]
SEALED = "13566667777"


def tab_to(page, test: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element passes the JavaScript test `el => …`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({test})(el); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


def choose(page, name: str, value: str) -> None:
    """Tab into the radio group `name`, then arrow to `value` (arrows select as they move)."""
    tab_to(page, f"el => el.name === {name!r}")
    page.keyboard.press("Space")
    for _ in range(6):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"no choice {value!r} in {name}")


def _anonymous_replied(district) -> Appeal:
    from tests.appeals import helpers

    appeal = helpers.submit(
        district,
        anonymous=True,
        contact_name="",
        contact_phone="",
        contact_consent=False,
        callback_phone=SEALED,
    )
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city)
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="路灯已修复。")
    return appeal


def test_call_back_by_keyboard_alone(new_page, live_district):
    appeal = _anonymous_replied(live_district)
    LoggingDialer.outbox.clear()
    page = new_page(DESKTOP)
    page.set_default_timeout(30_000)  # the shared test machine can be slow; no timed assertion here
    login(page, "operator")
    page.goto("/staff/callbacks/")
    check_a11y(page, "call-back queue")
    kb = page.keyboard

    # dial the sealed number from the queue
    tab_to(page, f"el => el.id === 'dial-{appeal.pk}'")
    kb.press("Enter")
    page.wait_for_selector("text=已通过话务系统拨出")
    assert page.url.endswith("/staff/callbacks/")
    assert SEALED not in page.content()
    assert "7777" not in page.content()
    assert [c.number for c in LoggingDialer.outbox] == [SEALED]

    # to the case page through the queue's link
    tab_to(page, f"el => el.tagName === 'A' && el.textContent.trim() === {appeal.tracking_number!r}")
    kb.press("Enter")
    page.wait_for_url(f"**/staff/appeals/{appeal.pk}/**")
    assert "7777" not in page.content()

    # first call: nobody answers
    tab_to(page, "el => el.tagName === 'SUMMARY' && el.parentElement.id === 'action-callback'")
    kb.press("Enter")  # opens the form
    assert page.evaluate("document.getElementById('action-callback').open")
    choose(page, "callback-outcome", "no_answer")
    tab_to(
        page, "el => el.type === 'submit' && el.closest('#action-callback form[action$=\"/act/callback/\"]')"
    )
    kb.press("Enter")
    page.wait_for_selector("text=已记录回访结果")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED

    # second call: reached; the resident is basically satisfied, the problem solved
    tab_to(page, "el => el.tagName === 'SUMMARY' && el.parentElement.id === 'action-callback'")
    kb.press("Enter")
    choose(page, "callback-outcome", "reached")
    choose(page, "callback-satisfaction", "basic")
    choose(page, "callback-solved", "yes")
    tab_to(page, "el => el.id === 'id_callback-note'")
    kb.type("群众表示路灯已亮，基本满意")
    check_a11y(page, "call-back form")
    tab_to(
        page, "el => el.type === 'submit' && el.closest('#action-callback form[action$=\"/act/callback/\"]')"
    )
    kb.press("Enter")
    page.wait_for_selector("text=已记录回访结果")

    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "basic"
    assert appeal.solved is True
    rated = AppealEvent.objects.get(appeal=appeal, type=EventType.RATED)
    assert rated.data["via"] == "callback"
    attempts = AppealEvent.objects.filter(appeal=appeal, type=EventType.CALLBACK_ATTEMPTED)
    assert sorted(e.data["outcome"] for e in attempts) == ["no_answer", "reached"]
    assert "7777" not in page.content()
