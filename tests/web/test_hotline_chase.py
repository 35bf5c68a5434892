"""The hotline's "关于此前诉求（催办/补充）": a repeat call recorded on the earlier open appeal (issue 16)."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, EventType
from lianxin.notifications.models import Notification
from tests.appeals import helpers

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def test_similar_offers_the_choice_for_an_open_earlier_appeal(client_for, district, settings):
    earlier = helpers.dispatched(district, settings=settings, contact_phone=PHONE)
    html = (
        client_for(district.operator)
        .get("/staff/hotline/similar/", {"contact_phone": PHONE})
        .content.decode()
    )
    assert f'name="about" value="{earlier.pk}" form="hotline-form"' in html
    assert "催办/补充" in html


def test_closed_earlier_appeal_offers_no_chase(client_for, district, settings):
    helpers.closed(district, settings=settings, contact_phone=PHONE)
    html = (
        client_for(district.operator)
        .get("/staff/hotline/similar/", {"contact_phone": PHONE})
        .content.decode()
    )
    assert 'name="about"' not in html


def test_about_the_earlier_one_records_a_chase_instead_of_a_new_appeal(
    client_for, district, settings, django_capture_on_commit_callbacks
):
    earlier = helpers.dispatched(district, settings=settings, contact_phone=PHONE)
    before = Appeal.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(district.operator).post(
            "/staff/hotline/",
            {
                "contact_phone": PHONE,
                "text": "路灯还是没修，请尽快。",
                "kind": "complaint",
                "area": "C1",
                "about": str(earlier.pk),
                "chase_kind": "chase",
                "contact_consent": "on",
            },
            follow=True,
        )
    assert r.status_code == 200
    assert earlier.tracking_number in r.content.decode()
    assert Appeal.objects.count() == before  # no new case
    event = earlier.events.get(type=EventType.CHASED)
    assert (event.data["kind"], event.note, event.actor) == (
        "chase",
        "路灯还是没修，请尽快。",
        district.operator,
    )
    assert Notification.objects.filter(user=district.handler_city, kind="chased").exists()
    page = client_for(district.handler_city).get(f"/staff/appeals/{earlier.pk}/").content.decode()
    assert 'id="chase-count"' in page
    assert "催办 1 次" in page


def test_about_a_closed_appeal_is_refused_and_nothing_recorded(client_for, district, settings):
    earlier = helpers.closed(district, settings=settings, contact_phone=PHONE)
    r = client_for(district.operator).post(
        "/staff/hotline/",
        {"contact_phone": PHONE, "text": "又坏了", "kind": "complaint", "about": str(earlier.pk)},
    )
    assert r.status_code == 400
    assert "不能再催办或补充" in r.content.decode()
    assert services.chase_count(earlier) == 0


def test_case_page_chase_form_for_the_operator_not_the_handler(client_for, district, settings):
    appeal = helpers.dispatched(district, settings=settings)
    r = client_for(district.operator).post(
        f"/staff/appeals/{appeal.pk}/act/chase/", {"chase-kind": "supplement", "chase-note": "补充：3栋东侧"}
    )
    assert r.status_code == 302
    assert services.chase_count(appeal) == 1
    r = client_for(district.handler_city).post(
        f"/staff/appeals/{appeal.pk}/act/chase/", {"chase-kind": "chase", "chase-note": "x"}
    )
    assert r.status_code == 403
    assert services.chase_count(appeal) == 1
