"""The review step (答复审核) in a real browser: the handler replies, the dispatcher sends it back
with a reason from the review queue, the handler replies again, the supervisor approves it, and
the resident sees the reply only then."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, ReplyReviewRule, ReviewerKind, Status

from .conftest import DESKTOP, check_a11y, login, logout

pytestmark = [pytest.mark.browser]


def _reply(page, appeal_pk: int, text: str) -> None:
    page.goto(f"/staff/appeals/{appeal_pk}/")
    page.click("#action-reply summary")
    page.fill("#id_reply-text", text)
    page.check("#action-reply input[name=reply-result][value=resolved]")
    page.click("#action-reply button[type=submit]")
    page.wait_for_url(f"**/staff/appeals/{appeal_pk}/")
    assert "提交审核" in page.inner_text("main")


def test_review_reject_then_approve(new_page, live_district):
    from tests.appeals import helpers

    ReplyReviewRule.objects.create(unit=live_district.unit_city, reviewer=ReviewerKind.CENTRE)
    appeal = helpers.accepted(live_district)
    page = new_page(DESKTOP)
    login(page, "handler_city")
    _reply(page, appeal.pk, "路灯已更换灯泡。")
    logout(page)

    login(page, "dispatcher")
    page.goto("/staff/queue/reply_review/")
    page.click(f"main a[href='/staff/appeals/{appeal.pk}/']")
    assert "路灯已更换灯泡。" in page.inner_text("#pending-review")
    check_a11y(page, "case page with a reply under review")
    page.click("#action-reject_reply summary")
    page.click("#action-reject_reply button[type=submit]")  # no reason: refused beside the field
    assert "退回理由" in page.inner_text("#action-reject_reply")
    page.fill("#id_reject_reply-reason", "请写明修复时间")
    page.click("#action-reject_reply button[type=submit]")
    page.wait_for_url(f"**/staff/appeals/{appeal.pk}/")
    assert page.locator("#pending-review").count() == 0
    logout(page)

    login(page, "handler_city")
    _reply(page, appeal.pk, "路灯已于12月3日更换灯泡，恢复照明。")
    logout(page)

    login(page, "supervisor")
    page.goto(f"/staff/appeals/{appeal.pk}/")
    page.click("#action-approve_reply summary")
    page.click("#action-approve_reply button[type=submit]")
    page.wait_for_url(f"**/staff/appeals/{appeal.pk}/")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED
