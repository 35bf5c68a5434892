"""The staff workbench: home, queues, the case page and its actions, per role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, Status
from lianxin.audit.models import AuditEntry
from lianxin.notifications.models import Notification
from lianxin.org.models import Role, UnitKind
from tests.appeals import helpers
from tests.factories import AppealFactory, UnitFactory, staff

pytestmark = pytest.mark.django_db


def test_staff_home_counts_per_role(client_for, district, settings):
    helpers.submit(district, settings=settings, auto_dispatch=False)
    helpers.dispatched(district)
    html = client_for(district.dispatcher).get("/staff/").content.decode()
    assert 'id="count-to_dispatch"' in html
    assert 'id="count-to_accept"' not in html
    assert '<span class="n">1</span>待派单' in html
    html = client_for(district.handler_city).get("/staff/").content.decode()
    assert 'id="count-to_accept"' in html
    assert '<span class="n">1</span>待签收' in html
    html = client_for(district.handler_env).get("/staff/").content.decode()
    assert '<span class="n">0</span>待签收' in html
    # supervision link for supervisors, not for handlers; admin link for admins
    assert 'href="/supervision/"' in client_for(district.supervisor).get("/staff/").content.decode()
    assert 'href="/supervision/"' not in client_for(district.handler_city).get("/staff/").content.decode()
    assert 'href="/admin/"' in client_for(district.admin).get("/staff/").content.decode()


def test_a_count_beyond_the_cap_is_an_estimate_shown_as_about_n(client_for, district, monkeypatch):
    import re

    from lianxin.web.views import staff as staff_views

    monkeypatch.setattr(staff_views, "COUNT_CAP", 3)
    for _ in range(5):
        AppealFactory()
    html = client_for(district.dispatcher).get("/staff/").content.decode()
    if connection.vendor == "postgresql":  # the planner's estimate, never below the cap + 1
        shown = re.search(r'<span class="n">约 (\d+)</span>待派单', html)
        assert shown is not None
        assert int(shown.group(1)) >= 4
    else:  # SQLite (the embedded mode) counts them
        assert '<span class="n">5</span>待派单' in html
    monkeypatch.setattr(staff_views, "COUNT_CAP", 5)  # at the cap: exact
    assert '<span class="n">5</span>待派单' in client_for(district.dispatcher).get("/staff/").content.decode()


def test_queue_filters_and_search(client_for, district):
    a = AppealFactory(
        title="路灯坏了",
        text="路灯坏了",
        category=district.cat_light,
        area=district.grid_a,
        kind="complaint",
        contact_phone="13800000001",
    )
    b = AppealFactory(
        title="噪音扰民",
        text="夜间施工噪音",
        category=district.cat_env,
        area=district.grid_b,
        kind="report",
        channel="hotline",
        contact_phone="13800000002",
    )
    c = client_for(district.dispatcher)

    def listed(**params):
        html = c.get("/staff/queue/to_dispatch/", params).content.decode()
        return {x.tracking_number for x in (a, b) if x.tracking_number in html}

    assert listed() == {a.tracking_number, b.tracking_number}
    assert listed(category="CJ") == {a.tracking_number}  # subtree: CJ-LD is inside CJ
    assert listed(area="S2") == {b.tracking_number}
    assert listed(kind="report") == {b.tracking_number}
    assert listed(channel="hotline") == {b.tracking_number}
    assert listed(q="噪音") == {b.tracking_number}
    assert listed(q="138 0000 0001") == {a.tracking_number}
    assert listed(q=a.tracking_number.lower()) == {a.tracking_number}
    assert listed(urgency="urgent") == set()
    today = timezone.localtime(a.submitted_at).date().isoformat()  # the filter takes local dates
    assert listed(date_from=today, date_to=today) == {a.tracking_number, b.tracking_number}
    assert listed(date_from="2000-01-01", date_to="2000-01-02") == set()


def test_queue_pages_with_next_link_and_no_count(client_for, district):
    for _ in range(30):
        AppealFactory()
    c = client_for(district.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        first = c.get("/staff/queue/to_dispatch/").content.decode()
    # no COUNT(*) over appeals (the header's unread-notification count is fine)
    assert not any(
        "COUNT(" in q["sql"].upper() and "appeals_appeal" in q["sql"] for q in ctx.captured_queries
    )
    assert 'rel="next"' in first
    assert first.count('name="ids"') == 25
    second = c.get("/staff/queue/to_dispatch/", {"page": 2}).content.decode()
    assert 'rel="next"' not in second
    assert second.count('name="ids"') == 5
    assert "上一页" in second


@pytest.mark.parametrize("name", ["to_dispatch", "to_accept", "in_progress", "awaiting_rating", "all"])
def test_queue_query_count_is_capped(client_for, district, django_assert_max_num_queries, name):
    for i in range(40):
        appeal = AppealFactory(category=district.cat_light, area=district.grid_a, unit=district.unit_city)
        appeal.status = [Status.SUBMITTED, Status.DISPATCHED, Status.ACCEPTED, Status.REPLIED][i % 4]
        appeal.save()
    c = client_for(district.admin)
    c.get(f"/staff/queue/{name}/")  # warm the session
    with django_assert_max_num_queries(12):
        response = c.get(f"/staff/queue/{name}/", {"category": "CJ"})
    assert response.status_code == 200


def test_unknown_queue_is_404(client_for, district):
    assert client_for(district.dispatcher).get("/staff/queue/nope/").status_code == 404


def test_handler_of_another_unit_gets_404_on_case_page(client_for, district):
    appeal = helpers.dispatched(district)
    assert client_for(district.handler_city).get(f"/staff/appeals/{appeal.pk}/").status_code == 200
    assert client_for(district.handler_env).get(f"/staff/appeals/{appeal.pk}/").status_code == 404
    assert client_for(district.handler_env).get("/staff/appeals/999999/").status_code == 404
    assert client_for(district.leader_b).get(f"/staff/appeals/{appeal.pk}/").status_code == 404  # street B
    assert client_for(district.grid_worker_a).get(f"/staff/appeals/{appeal.pk}/").status_code == 200


def test_case_page_shows_everything_and_only_allowed_actions(client_for, district, settings):
    appeal = helpers.submit(district, settings=settings, auto_dispatch=False)
    html = client_for(district.dispatcher).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert appeal.text in html
    assert "智能分析建议" in html
    assert "建议单位" in html
    assert 'id="action-dispatch"' in html
    assert 'id="action-merge"' in html
    assert 'id="action-accept"' not in html
    assert 'id="action-reply"' not in html
    # the unit select defaults to the suggestion (the dispatch catalogue: CJ → 城管局)
    assert f'<option value="{district.unit_city.pk}" selected>' in html
    # phone masked
    assert "138****1234" in html
    assert "13812341234" not in html
    # a handler sees nothing to do before dispatch... after dispatch, accept/return only
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city)
    html = client_for(district.handler_city).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'id="action-accept"' in html
    assert 'id="action-return"' in html
    assert 'id="action-reply"' not in html
    assert 'id="action-dispatch"' not in html
    # a supervisor may look but has nothing to do now
    html = client_for(district.supervisor).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'id="no-actions"' in html


def test_full_flow_through_case_page(client_for, district, settings):
    appeal = helpers.submit(district, settings=settings, auto_dispatch=False)
    d = client_for(district.dispatcher)
    r = d.post(
        f"/staff/appeals/{appeal.pk}/act/dispatch/",
        {"dispatch-unit": district.unit_city.pk, "dispatch-note": ""},
    )
    assert r.status_code == 302
    h = client_for(district.handler_city)
    assert h.post(f"/staff/appeals/{appeal.pk}/act/accept/", {"accept-note": ""}).status_code == 302
    # bad reply: empty text → error beside the field, 400
    bad = h.post(f"/staff/appeals/{appeal.pk}/act/reply/", {"reply-text": "  ", "reply-result": "resolved"})
    assert bad.status_code == 400
    assert 'id="id_reply-text_error"' in bad.content.decode()
    assert (
        h.post(f"/staff/appeals/{appeal.pk}/act/reply/", {"reply-text": "已修复"}).status_code == 400
    )  # no result
    assert (
        h.post(
            f"/staff/appeals/{appeal.pk}/act/reply/", {"reply-text": "已修复", "reply-result": "partly"}
        ).status_code
        == 302
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED
    assert appeal.reply_text == "已修复"
    # the case page shows the full timeline
    html = h.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    for label in ("受理", "智能分析", "派单", "签收", "答复"):
        assert label in html


def test_action_not_allowed_is_refused(client_for, district):
    appeal = helpers.dispatched(district)
    # a handler cannot merge; the form is not offered and a forced POST is refused
    h = client_for(district.handler_city)
    assert 'id="action-merge"' not in h.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    other = helpers.dispatched(district)
    r = h.post(f"/staff/appeals/{appeal.pk}/act/merge/", {"merge-into": other.tracking_number})
    assert r.status_code == 403
    assert "您没有权限" in r.content.decode()
    # dispatching an appeal already dispatched: the status does not allow it (409)
    r = client_for(district.dispatcher).post(
        f"/staff/appeals/{appeal.pk}/act/dispatch/", {"dispatch-unit": district.unit_env.pk}
    )
    assert r.status_code == 409
    appeal.refresh_from_db()
    assert appeal.unit == district.unit_city
    assert appeal.status == Status.DISPATCHED
    # an unknown action is 404
    assert client_for(district.dispatcher).post(f"/staff/appeals/{appeal.pk}/act/fly/").status_code == 404


def test_return_requires_reason_then_goes_back_to_dispatch(client_for, district):
    appeal = helpers.dispatched(district)
    h = client_for(district.handler_city)
    bad = h.post(f"/staff/appeals/{appeal.pk}/act/return/", {"return-reason": ""})
    assert bad.status_code == 400
    assert "请填写退单理由" in bad.content.decode()
    r = h.post(f"/staff/appeals/{appeal.pk}/act/return/", {"return-reason": "不属于本单位职责"})
    assert r.status_code == 302
    assert r.url == "/staff/"
    appeal.refresh_from_db()
    assert appeal.status == Status.RETURNED


def test_extension_request_and_decision(client_for, district):
    appeal = helpers.accepted(district)
    h = client_for(district.handler_city)
    r = h.post(
        f"/staff/appeals/{appeal.pk}/act/request_extension/",
        {"request_extension-working_days": "3", "request_extension-reason": "需要采购配件"},
    )
    assert r.status_code == 302
    html = h.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'id="action-request_extension"' not in html  # one pending at a time
    d = client_for(district.dispatcher)
    old_due = Appeal.objects.get(pk=appeal.pk).resolve_due_at
    bad = d.post(
        f"/staff/appeals/{appeal.pk}/act/decide_extension/",
        {"decide_extension-approve": "no", "decide_extension-note": ""},
    )
    assert bad.status_code == 400
    assert "请填写驳回理由" in bad.content.decode()
    d.post(f"/staff/appeals/{appeal.pk}/act/decide_extension/", {"decide_extension-approve": "yes"})
    new_due = Appeal.objects.get(pk=appeal.pk).resolve_due_at
    assert new_due is not None
    assert old_due is not None
    assert new_due > old_due


def test_co_handler_merge_and_withdraw(client_for, district):
    appeal = helpers.dispatched(district)
    d = client_for(district.dispatcher)
    d.post(f"/staff/appeals/{appeal.pk}/act/add_co_handler/", {"add_co_handler-unit": district.unit_env.pk})
    assert appeal.co_handlers.filter(unit=district.unit_env).exists()
    # the co-handling unit now sees it and may give its part
    e = client_for(district.handler_env)
    assert 'id="action-co_reply"' in e.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    other = helpers.dispatched(district)
    bad = d.post(f"/staff/appeals/{other.pk}/act/merge/", {"merge-into": "LX00000000-000000"})
    assert bad.status_code == 400
    assert 'id="id_merge-into_error"' in bad.content.decode()
    d.post(f"/staff/appeals/{other.pk}/act/merge/", {"merge-into": appeal.tracking_number})
    other.refresh_from_db()
    assert other.status == Status.MERGED
    assert other.merged_into == appeal
    o = client_for(district.operator)
    o.post(f"/staff/appeals/{appeal.pk}/act/withdraw/", {"withdraw-reason": "来电人撤回"})
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN


def test_reveal_phone_is_audited_and_only_for_allowed_roles(client_for, district):
    appeal = helpers.dispatched(district)
    before = AuditEntry.objects.count()
    r = client_for(district.dispatcher).post(f"/staff/appeals/{appeal.pk}/contact/", HTTP_HX_REQUEST="true")
    assert "13812341234" in r.content.decode()
    assert AuditEntry.objects.count() == before + 1
    # grid workers see the appeal but not the full phone
    g = client_for(district.grid_worker_a)
    html = g.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "138****1234" in html
    assert "显示完整电话" not in html
    assert g.post(f"/staff/appeals/{appeal.pk}/contact/").status_code == 403
    # anonymous appeals show nobody's phone
    anon = helpers.submit(district, anonymous=True, contact_phone="", contact_name="", contact_consent=False)
    html = client_for(district.dispatcher).get(f"/staff/appeals/{anon.pk}/").content.decode()
    assert "匿名" in html
    assert "显示完整电话" not in html


def test_similar_earlier_appeals_from_same_phone(client_for, district):
    first = helpers.submit(district)
    second = helpers.submit(district)
    html = client_for(district.dispatcher).get(f"/staff/appeals/{second.pk}/").content.decode()
    assert first.tracking_number in html.split('id="h-similar"')[1]


def test_bulk_dispatch_reports_per_appeal_failures(client_for, district):
    ok = AppealFactory(area=district.grid_a)
    done = helpers.dispatched(district)
    d = client_for(district.dispatcher)
    r = d.post("/staff/bulk-dispatch/", {"unit": district.unit_city.pk, "ids": [ok.pk, done.pk]}, follow=True)
    html = r.content.decode()
    assert f"已派单 1 件：{ok.tracking_number}" in html
    assert f"未能派单 {done.tracking_number}" in html
    ok.refresh_from_db()
    assert ok.status == Status.DISPATCHED
    assert ok.unit == district.unit_city
    assert "请选择承办单位" in d.post("/staff/bulk-dispatch/", {"ids": [ok.pk]}, follow=True).content.decode()
    # not offered to handlers, and refused for them
    assert (
        'id="bulk"' not in client_for(district.handler_city).get("/staff/queue/to_dispatch/").content.decode()
    )
    other = AppealFactory(area=district.grid_a)
    client_for(district.handler_city).post(
        "/staff/bulk-dispatch/", {"unit": district.unit_city.pk, "ids": [other.pk]}
    )
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


def test_notifications_inbox_and_unread_count(client_for, district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        helpers.dispatched(district)  # notifies the city unit's handlers
    h = client_for(district.handler_city)
    html = h.get("/staff/").content.decode()
    assert 'class="badge"' in html
    n = Notification.objects.filter(user=district.handler_city).get()
    html = h.get("/staff/notifications/").content.decode()
    assert n.title in html
    assert "未读" in html
    h.post("/staff/notifications/", {"id": n.pk})
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'class="badge"' not in h.get("/staff/").content.decode()


def test_attachment_download_checks_access(client_for, district):
    from lianxin.appeals.intake import AttachmentInput

    appeal = helpers.submit(
        district, attachments=[AttachmentInput(name="a.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 20)]
    )
    helpers_dispatch = (
        services.appeal_dispatch(
            appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city
        )
        if appeal.status == "submitted"
        else appeal
    )
    att = helpers_dispatch.attachments.get()
    r = client_for(district.handler_city).get(f"/staff/appeals/{appeal.pk}/attachments/{att.pk}/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert (
        client_for(district.handler_env).get(f"/staff/appeals/{appeal.pk}/attachments/{att.pk}/").status_code
        == 404
    )


def test_login_page_and_redirect(client, district):
    html = client.get("/accounts/login/").content.decode()
    assert 'for="id_username"' in html
    assert 'for="id_password"' in html
    r = client.post("/accounts/login/", {"username": "dispatcher", "password": "pass12345"})
    assert r.status_code == 302
    assert r.url == "/staff/"
    bad = client.post("/accounts/login/", {"username": "dispatcher", "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()


def test_a_handler_of_a_unit_with_nothing_to_do_sees_an_empty_home(client_for, district):
    other = helpers.dispatched(district)  # waiting for another unit: not this handler's work
    user = staff(Role.HANDLER, unit=district.unit_street_a)
    r = client_for(user).get("/staff/")
    html = r.content.decode()
    assert r.status_code == 200
    assert '<span class="n">0</span>待签收' in html
    assert other.tracking_number not in html
    assert 'href="/supervision/"' not in html
    assert 'href="/admin/"' not in html


def test_case_page_query_count_is_capped(client_for, district, django_assert_max_num_queries):
    appeal = helpers.accepted(district)
    for i in range(3):  # more co-handlers, events and earlier appeals must not add queries per row
        helpers.submit(district)
        services.appeal_request_extension(
            appeal=appeal, actor=Actor.staff(district.handler_city), working_days=1, reason=f"原因{i}"
        )
        services.appeal_decide_extension(appeal=appeal, actor=Actor.staff(district.dispatcher), approve=True)
    services.appeal_add_co_handler(
        appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_env
    )
    c = client_for(district.handler_city)
    c.get("/staff/")
    with django_assert_max_num_queries(16):
        assert c.get(f"/staff/appeals/{appeal.pk}/").status_code == 200


def test_case_page_does_not_show_a_confidence_without_a_suggestion(client, district):
    from lianxin.appeals.models import Appeal
    from tests.factories import AppealFactory

    appeal = AppealFactory(
        area=district.grid_a,
        category=district.cat_light,
        suggested_category=None,
        suggested_unit=district.unit_city,
        suggestion={"category_confidence": 1.0, "unit": district.unit_city.code},
    )
    assert Appeal.objects.get(pk=appeal.pk).suggested_category is None
    client.force_login(district.dispatcher)
    body = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "模型未给出建议，分类由提交时选定" in body
    assert "置信度 100%" not in body


def test_acting_on_a_case_marks_its_notifications_read(district, django_capture_on_commit_callbacks):
    colleague = staff(Role.HANDLER, unit=district.unit_city)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = helpers.dispatched(district)  # notifies the city unit's handlers
        helpers.dispatched(district)  # another case: its notification stays unread
    mine = Notification.objects.filter(user=district.handler_city, link=f"/staff/appeals/{appeal.pk}/").get()
    other = Notification.objects.filter(user=district.handler_city).exclude(pk=mine.pk).get()
    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None
    assert other.read_at is None
    # only the person who acted has read it: the colleague told of the same case has not
    theirs = Notification.objects.filter(user=colleague, link=mine.link).get()
    assert theirs.read_at is None


def test_bulk_dispatch_of_an_appeal_not_yours_names_no_tracking_number(client_for, district):
    hidden = AppealFactory(area=district.grid_a)  # in the east street
    west = staff(Role.DISPATCHER, area=district.street_b)
    r = client_for(west).post(
        "/staff/bulk-dispatch/", {"unit": district.unit_city.pk, "ids": [hidden.pk, 999999]}, follow=True
    )
    html = r.content.decode()
    assert hidden.tracking_number not in html
    # the same answer for an appeal that is not theirs and one that does not exist
    assert html.count("没有找到该诉求") == 2
    hidden.refresh_from_db()
    assert hidden.status == Status.SUBMITTED


def test_the_dispatchers_unit_list_is_grouped_by_kind_and_street_and_sorted(
    client_for, district, no_auto_dispatch
):
    UnitFactory(code="U-C2", name="和平社区居委会", kind=UnitKind.COMMUNITY, area=district.community_b)
    appeal = helpers.submit(district)
    html = client_for(district.dispatcher).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    select = html[html.index('name="dispatch-unit"') :]
    select = select[: select.index("</select>")]
    assert "data-unit-search=" in select  # site.js adds the search box (test_dispatch_units.py)
    assert '<optgroup label="职能部门">' in select
    assert '<optgroup label="东街道">' in select
    departments = select[
        select.index('<optgroup label="职能部门">') : select.index('<optgroup label="东街道">')
    ]
    assert departments.index("城管局") < departments.index("生态环境局")  # by name within the group
    assert "东街道办" not in departments
    west = select[select.index('<optgroup label="西街道">') :]
    assert "和平社区居委会" in west
    assert "东街道办" not in west


def test_the_bulk_dispatch_list_is_the_same_grouped_list(client_for, district, no_auto_dispatch):
    html = client_for(district.dispatcher).get("/staff/queue/to_dispatch/").content.decode()
    select = html[html.index('id="bulk-unit"') :]
    select = select[: select.index("</select>")]
    assert '<optgroup label="职能部门">' in select
    assert '<optgroup label="东街道">' in select
