"""Screenshots of the main pages at phone (375 px) and desktop (1280 px) width, with realistic data,
written to var/screenshots/, or to docs/screenshots/ by `make screenshots`. Each page is also checked
with axe-core at both widths."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal
from tests.appeals import helpers

from .conftest import DESKTOP, PHONE, check_a11y, login, shot

pytestmark = [pytest.mark.browser]

TEXTS = [
    ("和平社区菜市场门口垃圾桶满了三天没人清运，气味很大。", "C2", "complaint"),
    ("请问孩子上小学需要准备哪些材料，在哪里报名？", "C1", "inquiry"),
    ("幸福小区晚上十一点后还有装修噪音，影响休息。", "G1", "complaint"),
    ("建议在东街道公交站增加遮雨棚。", "S1", "suggestion"),
]


def seed(district) -> Appeal:
    for text, area, kind in TEXTS:
        helpers.submit(district, text=text, area_code=area, kind=kind, category_code="")
    late = helpers.accepted(district)
    Appeal.objects.filter(pk=late.pk).update(
        resolve_due_at=timezone.now() - dt.timedelta(hours=3), overdue=True
    )
    case = helpers.dispatched(district, contact_phone="13812341234")
    services.appeal_accept(appeal=case, actor=Actor.staff(district.handler_city), note="已安排维修班组")
    return case


def test_main_pages_at_both_widths(new_page, live_district):
    district = live_district
    case = seed(district)
    for viewport, mobile in ((PHONE, True), (DESKTOP, False)):
        page = new_page(viewport, mobile=mobile)
        page.goto("/")
        shot(page, "home")
        page.goto("/appeal/new/")
        page.fill("#id_text", "和平社区3号楼楼道灯坏了，晚上上下楼看不见。")
        shot(page, "submit")
        page.check("#id_anonymous")
        page.click("main button[type=submit]")
        page.wait_for_url("**/appeal/receipt/")
        assert page.is_visible("#access-code")
        check_a11y(page, "receipt (anonymous)")
        shot(page, "receipt")
        page.goto("/track/")
        shot(page, "track")

        staff = new_page(viewport, mobile=mobile)
        login(staff, "dispatcher")
        check_a11y(staff, "staff home")
        shot(staff, "staff-home")
        staff.goto("/staff/queue/to_dispatch/")
        check_a11y(staff, "dispatch queue")
        shot(staff, "queue")
        staff.goto("/staff/hotline/")
        check_a11y(staff, "hotline")
        shot(staff, "hotline")
        staff.goto("/staff/queue/overdue/")
        check_a11y(staff, "overdue queue")

        handler = new_page(viewport, mobile=mobile)
        login(handler, "handler_city")
        handler.goto(f"/staff/appeals/{case.pk}/")
        handler.click("#action-reply summary")
        check_a11y(handler, "case page")
        shot(handler, "case")
