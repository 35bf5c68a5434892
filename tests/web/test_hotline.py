"""The hotline operator's quick entry."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, Status
from lianxin.org.models import Role
from tests.appeals import helpers
from tests.factories import staff

pytestmark = pytest.mark.django_db


def call(**overrides):
    data = {
        "contact_phone": "13912345678",
        "contact_name": "王五",
        "text": "请问老年证在哪里办理？",
        "kind": "inquiry",
        "area": "C1",
        "address": "",
        "answer": "",
        "contact_consent": "on",
    }
    data.update(overrides)
    return data


def test_form_is_keyboard_first(client_for, district):
    html = client_for(district.operator).get("/staff/hotline/").content.decode()
    assert "autofocus" in html.split('id="id_contact_phone"')[1].split(">")[0]
    assert 'hx-get="/staff/hotline/similar/"' in html
    # the fields come in the order an operator works: phone, name, text, kind, area, address, answer
    order = [
        html.index(f'id="id_{n}"')
        for n in ("contact_phone", "contact_name", "text", "kind", "area", "address", "answer")
    ]
    assert order == sorted(order)
    assert 'tabindex="1' not in html  # natural tab order


def test_inquiry_answered_on_the_spot_is_closed(client_for, district):
    r = client_for(district.operator).post(
        "/staff/hotline/", call(answer="在街道便民服务中心办理。"), follow=True
    )
    appeal = Appeal.objects.get()
    assert appeal.channel == "hotline"
    assert appeal.status == Status.CLOSED
    assert appeal.area is not None
    assert appeal.reply_text == "在街道便民服务中心办理。"
    assert appeal.area.code == "C1"
    assert f"已登记并当场办结：{appeal.tracking_number}" in r.content.decode()


def test_complaint_goes_to_dispatch(client_for, district, no_auto_dispatch):
    r = client_for(district.operator).post(
        "/staff/hotline/", call(kind="complaint", text="楼下烧烤油烟大"), follow=True
    )
    appeal = Appeal.objects.get()
    assert appeal.status == Status.SUBMITTED
    assert appeal.contact_consent
    assert appeal.tracking_number in r.content.decode()


def test_answer_refused_for_complaints_and_text_kept(client_for, district):
    r = client_for(district.operator).post("/staff/hotline/", call(kind="complaint", answer="好的"))
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="id_answer_error"' in html
    assert "请问老年证在哪里办理？" in html
    assert Appeal.objects.count() == 0


def test_bad_phone_error_beside_field(client_for, district):
    r = client_for(district.operator).post("/staff/hotline/", call(contact_phone="abc"))
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="id_contact_phone_error"' in html
    assert "请问老年证在哪里办理？" in html


def test_similar_earlier_appeal_shown_as_operator_types(client_for, district):
    earlier = helpers.submit(district, contact_phone="13912345678")
    c = client_for(district.operator)
    html = c.get("/staff/hotline/similar/", {"contact_phone": "139 1234 5678"}).content.decode()
    assert earlier.tracking_number in html
    assert (
        earlier.tracking_number
        not in c.get("/staff/hotline/similar/", {"contact_phone": "13900000000"}).content.decode()
    )


def test_only_operators_dispatchers_admins(client_for, district):
    assert client_for(district.handler_city).get("/staff/hotline/").status_code == 403
    assert client_for(district.handler_city).get("/staff/hotline/similar/").status_code == 403
    assert client_for(district.dispatcher).get("/staff/hotline/").status_code == 200


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_nav_the_home_and_the_view_agree_on_who_takes_calls(client_for, district, role):
    expected = role in (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)
    kw = {"unit": district.unit_city} if role == Role.HANDLER else {"area": district.street_a}
    c = client_for(staff(role, **kw))
    html = c.get("/staff/").content.decode()
    in_nav = '<li><a href="/staff/hotline/">' in html
    on_home = '<a class="btn" href="/staff/hotline/">' in html
    view = c.get("/staff/hotline/").status_code
    assert (in_nav, on_home, view) == ((True, True, 200) if expected else (False, False, 403)), role
