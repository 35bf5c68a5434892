"""Field roles over the API (issue 16): a grid worker's record on the spot, the unit's "resident
contacted", and the reply with its result type — with the refusals and the bad input."""

from __future__ import annotations

import base64

import pytest

from lianxin.appeals.models import AttachmentSource, EventType
from tests.appeals.helpers import accepted, submit

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_grid_worker_records_a_photo_and_a_report_back(api, district, settings):
    appeal = accepted(district, settings=settings)
    tn = appeal.tracking_number
    photo = {
        "name": "lamp.png",
        "content_type": "image/png",
        "content_base64": base64.b64encode(PNG).decode(),
    }
    response = api.post(
        f"/appeals/{tn}/field-records", {"kind": "photo", "photos": [photo]}, user=district.grid_worker_a
    )
    assert response.status_code == 200, response.content
    assert appeal.attachments.filter(source=AttachmentSource.FIELD, public=False).count() == 1
    back = api.post(
        f"/appeals/{tn}/field-records",
        {"kind": "report_back", "note": "已恢复照明"},
        user=district.grid_worker_a,
    )
    assert back.status_code == 200
    assert back.json()["status"] == "accepted"
    kinds = [e.data["kind"] for e in appeal.events.filter(type=EventType.FIELD_RECORDED).order_by("id")]
    assert kinds == ["photo", "report_back"]


def test_field_record_refusals_and_bad_input(api, district, settings):
    appeal = accepted(district, settings=settings)
    tn = appeal.tracking_number
    assert (
        api.post(
            f"/appeals/{tn}/field-records", {"kind": "check", "note": "看过"}, user=district.handler_city
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"/appeals/{tn}/field-records", {"kind": "check", "note": "看过"}, user=district.leader_b
        ).status_code
        == 404
    )  # not theirs to see
    empty = api.post(
        f"/appeals/{tn}/field-records", {"kind": "check", "note": ""}, user=district.grid_worker_a
    )
    assert empty.status_code == 400
    assert empty.json()["field"] == "note"
    waiting = submit(district, settings=settings)
    assert (
        api.post(
            f"/appeals/{waiting.tracking_number}/field-records",
            {"kind": "check", "note": "看过"},
            user=district.grid_worker_a,
        ).status_code
        == 409
    )


def test_handler_replies_with_a_result_and_records_the_contact(api, district, settings):
    appeal = accepted(district, settings=settings)
    tn = appeal.tracking_number
    contacted = api.post(
        f"/appeals/{tn}/contacted", {"method": "visit", "note": "上门说明"}, user=district.handler_city
    )
    assert contacted.status_code == 200
    bad = api.post(f"/appeals/{tn}/contacted", {"method": "fax"}, user=district.handler_city)
    assert bad.status_code == 400
    assert bad.json()["field"] == "method"
    assert (
        api.post(f"/appeals/{tn}/contacted", {"method": "phone"}, user=district.handler_env).status_code
        == 404
    )
    response = api.post(
        f"/appeals/{tn}/reply",
        {"text": "已解释原因", "result": "explained", "contacted": "phone"},
        user=district.handler_city,
    )
    assert response.status_code == 200, response.content
    assert response.json()["reply_result"] == "explained"
    assert appeal.events.filter(type=EventType.RESIDENT_CONTACTED).count() == 2
    wrong = accepted(district, settings=settings)
    assert (
        api.post(
            f"/appeals/{wrong.tracking_number}/reply",
            {"text": "x", "result": "done"},
            user=district.handler_city,
        ).status_code
        == 400
    )
