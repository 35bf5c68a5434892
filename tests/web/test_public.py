"""The residents' portal: home, raising an appeal, the receipt, tracking, rating and reopening."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from lianxin.appeals.models import Appeal, Attachment, Status
from tests.appeals import helpers

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def good_post(**overrides):
    data = {
        "kind": "complaint",
        "text": "幸福小区3栋门口的路灯坏了一个多月，晚上很黑。",
        "street": "S1",
        "community": "C1",
        "grid": "G1",
        "address": "幸福小区3栋",
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "contact_consent": "on",
    }
    data.update(overrides)
    return data


def test_home_says_what_one_can_do(client, district):
    html = client.get("/").content.decode()
    assert "反映诉求" in html
    assert "查询进度" in html
    assert "即将上线" not in html
    assert 'href="/appeal/new/"' in html
    assert 'href="/track/"' in html
    # header: language and elderly switches, skip link
    assert 'action="/i18n/setlang/"' in html
    assert 'action="/elderly/"' in html
    assert 'href="#main"' in html


def test_submit_form_lists_streets_and_dependent_selects(client, district):
    html = client.get("/appeal/new/").content.decode()
    assert '<option value="S1">东街道</option>' in html
    assert 'hx-get="/appeal/areas/?level=community"' in html
    part = client.get("/appeal/areas/", {"level": "community", "street": "S1"}).content.decode()
    assert "幸福社区" in part
    assert "和平社区" not in part
    part = client.get("/appeal/areas/", {"level": "grid", "community": "C2"}).content.decode()
    assert "和平一网格" in part
    assert "幸福一网格" not in part
    assert client.get("/appeal/areas/", {"level": "district"}).status_code == 404


def test_submit_good_input_shows_receipt(client, district, no_auto_dispatch):
    response = client.post("/appeal/new/", good_post(), follow=True)
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    html = response.content.decode()
    assert appeal.tracking_number in html
    assert "预计答复时间" in html
    assert appeal.area is not None
    assert appeal.channel == "web"
    assert appeal.area.code == "G1"
    assert appeal.contact_phone == "13812345678"
    assert appeal.contact_consent
    assert appeal.resident is None
    assert "查询码" not in html  # a phone was given: no query code


def test_submit_anonymous_without_phone_shows_query_code_once(client, district):
    response = client.post(
        "/appeal/new/", good_post(anonymous="on", contact_phone="", contact_consent=""), follow=True
    )
    html = response.content.decode()
    assert "查询码" in html
    code = html.split('id="access-code">')[1].split("<")[0]
    assert len(code) == 6
    assert code.isdigit()
    # shown once only
    assert code not in client.get("/appeal/receipt/").content.decode()
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous
    assert appeal.contact_phone == ""
    assert appeal.access_code_hash
    # the code works for tracking in a fresh session
    other = Client()
    r = other.post("/track/", {"tracking_number": appeal.tracking_number, "secret": code})
    assert r.status_code == 302
    assert r["Location"] == f"/track/{appeal.tracking_number}/"


def test_submit_bad_input_error_beside_field_and_text_kept(client, district):
    response = client.post("/appeal/new/", good_post(contact_phone="12ab"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_contact_phone_error"' in html
    assert "联系电话只能包含数字" in html
    assert "幸福小区3栋门口的路灯坏了一个多月" in html  # text kept
    assert Appeal.objects.count() == 0


def test_submit_empty_text_error_on_text_field(client, district):
    html = client.post("/appeal/new/", good_post(text="  ")).content.decode()
    assert 'id="id_text_error"' in html
    assert "请填写诉求内容" in html


def test_submit_without_consent_is_refused_beside_consent(client, district):
    html = client.post("/appeal/new/", good_post(contact_consent="")).content.decode()
    assert 'id="id_contact_consent_error"' in html


def test_submit_text_over_4000_is_refused(client, district):
    response = client.post("/appeal/new/", good_post(text="长" * 4001))
    assert response.status_code == 400
    assert 'id="id_text_error"' in response.content.decode()


def test_submit_with_photo_and_bad_attachment(client, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("lamp.png", PNG, content_type="image/png")
    client.post("/appeal/new/", {**good_post(), "attachments": [photo]})
    assert Attachment.objects.get().content_type == "image/png"
    fake = SimpleUploadedFile("x.png", b"MZ not an image", content_type="image/png")
    response = client.post("/appeal/new/", {**good_post(), "attachments": [fake]})
    assert response.status_code == 400
    assert 'id="id_attachments_error"' in response.content.decode()
    assert Attachment.objects.count() == 1


def test_submit_logged_in_resident_sets_owner_and_lists_in_my_appeals(client_for, district):
    c = client_for(district.resident)
    c.post("/appeal/new/", good_post())
    appeal = Appeal.objects.get()
    assert appeal.resident == district.resident
    html = c.get("/mine/").content.decode()
    assert appeal.tracking_number in html
    # the owner opens the detail page without proof
    assert c.get(f"/track/{appeal.tracking_number}/").status_code == 200
    # someone else's list does not show it
    assert appeal.tracking_number not in client_for(district.other_resident).get("/mine/").content.decode()


def test_too_many_anonymous_submissions_are_a_429_with_the_text_kept(
    client, district, settings, no_auto_dispatch
):
    settings.LIANXIN = {**settings.LIANXIN, "ANON_SUBMIT_RATE": "1/h"}
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        assert client.post("/appeal/new/", good_post()).status_code == 302
        limited = client.post("/appeal/new/", good_post(text="第二件事：小区垃圾三天没人清运。"))
    html = limited.content.decode()
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3595"
    assert "每小时最多 1 次" in html
    assert "第二件事：小区垃圾三天没人清运。" in html
    assert Appeal.objects.count() == 1


def test_too_many_lookups_are_a_429(client, district, settings):
    appeal = helpers.submit(district)
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC), tick=False):
        for _ in range(60):
            client.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "0000"})
        limited = client.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "0000"})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "1800"
    assert "查询过于频繁：每小时最多 60 次。请 30 分钟后再试" in limited.content.decode()


def test_my_appeals_needs_login(client, district):
    assert client.get("/mine/").status_code == 302


def test_track_wrong_secret_is_404_with_message(client, district):
    appeal = helpers.submit(district)
    response = client.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "0000"})
    assert response.status_code == 404
    assert "没有找到该诉求" in response.content.decode()


def test_track_detail_requires_proof(client, district):
    appeal = helpers.submit(district)
    response = client.get(f"/track/{appeal.tracking_number}/")
    assert response.status_code == 302
    assert response.url.startswith("/track/")
    # a tracking number alone cannot rate
    helpers_replied = helpers.replied(district)
    r = client.post(f"/track/{helpers_replied.tracking_number}/rate/", {"satisfaction": "satisfied"})
    assert r.status_code == 404
    assert "请先输入受理编号" in r.content.decode()
    helpers_replied.refresh_from_db()
    assert helpers_replied.status == Status.REPLIED


def _proven_client(appeal) -> Client:
    c = Client()
    r = c.post("/track/", {"tracking_number": appeal.tracking_number.lower(), "secret": "1234"})
    assert r.status_code == 302
    return c


def test_track_shows_public_timeline_and_reply_then_rate(district):
    appeal = helpers.replied(district)
    c = _proven_client(appeal)
    html = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    assert "已处理完毕。" in html
    assert "派单" in html
    assert "智能分析" not in html
    assert "请评价办理结果" in html
    assert "申请重办" not in html
    bad = c.post(f"/track/{appeal.tracking_number}/rate/", {"satisfaction": "", "comment": "还行"})
    assert bad.status_code == 400
    assert 'id="id_satisfaction_error"' in bad.content.decode()
    assert "还行" in bad.content.decode()
    r = c.post(
        f"/track/{appeal.tracking_number}/rate/",
        {"satisfaction": "dissatisfied", "solved": "no", "comment": "灯还是不亮"},
    )
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.satisfaction == "dissatisfied"
    assert appeal.solved is False
    html = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    assert "申请重办" in html
    assert "请评价办理结果" not in html
    # the rating reads as the resident's own, not as the unit's
    assert '<strong>评价</strong> · <span class="by-you">您本人</span>' in html
    assert appeal.unit is not None
    assert f"<strong>评价</strong> · {appeal.unit.name}" not in html


def test_reopen_once_then_not_offered(district):
    appeal = helpers.closed(district, satisfaction="dissatisfied", solved=False)
    c = _proven_client(appeal)
    bad = c.post(f"/track/{appeal.tracking_number}/reopen/", {"reason": ""})
    assert bad.status_code == 400
    assert 'id="id_reason_error"' in bad.content.decode()
    assert c.post(f"/track/{appeal.tracking_number}/reopen/", {"reason": "灯还是不亮"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert appeal.reopen_count == 1
    # closed again: reopening is no longer offered, and a forced POST is refused
    from lianxin.appeals import services
    from lianxin.appeals.actors import Actor

    services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已更换灯泡。")
    services.appeal_rate(appeal=appeal, actor=Actor.resident(), satisfaction="basic", solved=True)
    html = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    assert 'action="/track/' + appeal.tracking_number + '/reopen/"' not in html
    forced = c.post(f"/track/{appeal.tracking_number}/reopen/", {"reason": "再来一次"})
    assert forced.status_code == 409
    assert "只能申请重办一次" in forced.content.decode()


def test_elderly_mode_switch_is_remembered(client, district):
    r = client.post("/elderly/", {"next": "/track/"})
    assert r.status_code == 302
    assert r["Location"] == "/track/"
    assert r.cookies["lx_elderly"].value == "1"
    assert 'class="elderly"' in client.get("/").content.decode()
    client.post("/elderly/", {"next": "https://evil.example/"})
    assert 'class="elderly"' not in client.get("/").content.decode()


def test_english_switch(client, district):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = r.content.decode()
    assert "Raise an appeal" in html
    assert '<html lang="en"' in html


def test_residents_cannot_open_staff_pages(client_for, client, district):
    c = client_for(district.resident)
    for url in ["/staff/", "/staff/queue/all/", "/staff/hotline/", "/staff/notifications/"]:
        assert c.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url  # anonymous: to the login page


def test_resident_login_lands_on_my_appeals(client, district):
    r = client.post("/accounts/login/", {"username": "resident", "password": "pass12345"})
    assert r.status_code == 302
    assert r["Location"] == "/mine/"


def test_unknown_page_is_a_friendly_404(client, district):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_same_form_sent_three_times_is_one_appeal_even_when_the_session_changes(district):
    """Defect 5: the key's scope was the session, which the first submit may change."""
    from lianxin.appeals.models import Appeal

    key = "0123456789abcdef0123456789abcdef"
    first = Client()
    assert first.post("/appeal/new/", good_post(idempotency_key=key)).status_code == 302
    # the retry comes from another session (cookies lost, another tab, a new connection)
    for _ in range(2):
        assert Client().post("/appeal/new/", good_post(idempotency_key=key)).status_code == 302
    assert Appeal.objects.count() == 1
    # a malformed key is not a key: each such submission is its own appeal
    Client().post("/appeal/new/", good_post(idempotency_key="retry-1"))
    assert Appeal.objects.count() == 2


def test_home_names_the_districts_hotline(client, district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "HOTLINE_NUMBER": "0571-12345", "HOTLINE_DISTRICT": "示范区"}
    html = client.get("/").content.decode()
    assert 'href="tel:0571-12345"' in html
    assert "请拨打示范区政务服务便民热线" in html
