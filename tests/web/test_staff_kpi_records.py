"""The case page's two KPI records: the unit's contact with the resident (联系群众) and the
centre's judgement of a return (退单审核)."""

from __future__ import annotations

from lianxin.appeals.models import EventType
from tests.appeals import helpers


def test_the_unit_records_a_contact_from_the_case_page(client_for, district):
    appeal = helpers.dispatched(district)
    h = client_for(district.handler_city)
    page = h.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "act/contact_resident/" in page
    assert "记录联系群众" in page
    bad = h.post(f"/staff/appeals/{appeal.pk}/act/contact_resident/", {"contact_resident-method": "pigeon"})
    assert bad.status_code == 400
    ok = h.post(
        f"/staff/appeals/{appeal.pk}/act/contact_resident/",
        {"contact_resident-method": "phone", "contact_resident-note": "已电话联系，约定明天维修"},
    )
    assert ok.status_code == 302
    event = appeal.events.get(type=EventType.RESIDENT_CONTACTED)
    assert (event.actor_id, event.unit_id, event.data["method"]) == (
        district.handler_city.pk,
        district.unit_city.pk,
        "phone",
    )
    # another unit's handler cannot see the case at all; a dispatcher has no such action
    assert (
        client_for(district.handler_env)
        .post(f"/staff/appeals/{appeal.pk}/act/contact_resident/", {"contact_resident-method": "phone"})
        .status_code
        == 404
    )
    assert (
        client_for(district.dispatcher)
        .post(f"/staff/appeals/{appeal.pk}/act/contact_resident/", {"contact_resident-method": "phone"})
        .status_code
        == 403
    )


def test_the_centre_judges_a_return_from_the_case_page(client_for, district):
    appeal = helpers.dispatched(district)
    client_for(district.handler_city).post(
        f"/staff/appeals/{appeal.pk}/act/return/", {"return-reason": "不属于本单位职责"}
    )
    d = client_for(district.dispatcher)
    assert "act/judge_return/" in d.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    missing = d.post(f"/staff/appeals/{appeal.pk}/act/judge_return/", {"judge_return-justified": "no"})
    assert missing.status_code == 400
    assert "请填写不认可退单的理由" in missing.content.decode()
    ok = d.post(
        f"/staff/appeals/{appeal.pk}/act/judge_return/",
        {"judge_return-justified": "no", "judge_return-note": "路灯属城管局管养"},
    )
    assert ok.status_code == 302
    judged = appeal.events.get(type=EventType.RETURN_JUDGED)
    assert judged.data["justified"] is False
    assert judged.unit_id == district.unit_city.pk
    # judged once: the action is gone
    again = d.post(f"/staff/appeals/{appeal.pk}/act/judge_return/", {"judge_return-justified": "yes"})
    assert again.status_code == 409
    assert (
        client_for(district.supervisor)
        .post(f"/staff/appeals/{appeal.pk}/act/judge_return/", {"judge_return-justified": "yes"})
        .status_code
        == 403
    )
