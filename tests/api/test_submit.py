"""Submitting appeals through the API: good input, each kind of bad input, idempotency, rate limit."""

from __future__ import annotations

import base64

import pytest

from lianxin.appeals.models import Appeal, Channel, Status

from .conftest import PNG_BYTES, appeal_body

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_anonymous_caller_submits_and_gets_a_masked_receipt(api, district, no_auto_dispatch):
    response = api.post("/appeals", appeal_body())
    assert response.status_code == 201
    body = response.json()
    appeal = Appeal.objects.get(tracking_number=body["tracking_number"])  # committed: readable at once
    assert appeal.channel == Channel.API
    assert appeal.status == Status.SUBMITTED
    assert appeal.category is not None
    assert appeal.area is not None
    assert appeal.category.code == "CJ-LD"
    assert appeal.area.code == "G1"
    assert body["created"] is True
    assert body["access_code"] is None
    shown = body["appeal"]
    assert shown["contact"] == {"name": "张*", "phone": "138****1234", "masked": True, "anonymous": False}
    assert shown["staff_view"] is False
    assert shown["suggestion"] is None
    assert "13812341234" not in response.content.decode()


def test_anonymous_appeal_without_phone_gets_a_query_code(api, district, no_auto_dispatch):
    response = api.post(
        "/appeals", appeal_body(anonymous=True, contact_phone="", contact_name="李四", contact_consent=False)
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["access_code"]) == 6
    assert body["appeal"]["contact"]["anonymous"] is True
    assert "李四" not in response.content.decode()
    found = api.get(f"/appeals/{body['tracking_number']}", proof=body["access_code"])
    assert found.status_code == 200
    assert found.json()["contact"]["name"] == "匿名"


def test_staff_token_submits_for_the_hotline(api, district, no_auto_dispatch):
    body = appeal_body(channel="hotline", urgency="urgent")
    response = api.post("/appeals", body, user=district.operator)
    assert response.status_code == 201
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    assert appeal.channel == Channel.HOTLINE
    assert appeal.urgency == "urgent"
    assert response.json()["appeal"]["staff_view"] is True


def test_public_callers_cannot_choose_channel_or_urgency(api, district, no_auto_dispatch):
    response = api.post("/appeals", appeal_body(channel="hotline", urgency="emergency"))
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    assert appeal.channel == Channel.API
    assert appeal.urgency != "emergency"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "complaint"}, "text", "缺少"),
        (appeal_body(text=123), "text", "文本"),
        (appeal_body(text="长" * 4001), "text", "4000"),
        (appeal_body(text="   "), "text", "请填写诉求内容"),
        (appeal_body(kind="rumour"), "kind", "可选"),
        (appeal_body(category="NOPE"), "category", "NOPE"),
        (appeal_body(area="Z9"), "area", "Z9"),
        (appeal_body(latitude=91), "latitude", "90"),
        (appeal_body(latitude="north"), "latitude", "数字"),
        (appeal_body(contact_phone="", anonymous=False), "contact_phone", "匿名"),
        (appeal_body(contact_phone="abc"), "contact_phone", "只能包含数字"),
        (appeal_body(contact_consent=False), "contact_consent", "同意"),
        (appeal_body(colour="red"), "colour", "不认识"),
        (appeal_body(text="路灯\x00坏了"), "text", "NUL"),
        (appeal_body(attachments=[{"name": "a.png"}]), "attachments[0].content_base64", "缺少"),
        (
            appeal_body(attachments=[{"name": "a.png", "content_base64": "!!!"}]),
            "attachments[0].content_base64",
            "base64",
        ),
    ],
)
def test_bad_input_names_the_field(api, district, body, field, words):
    response = api.post("/appeals", body)
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["error"] == "validation_error"
    assert error["field"] == field
    assert words in error["message"]
    assert Appeal.objects.count() == 0


def test_malformed_json_is_a_400(api, district):
    for raw in ("{not json", "[]", '"text"'):
        response = api.post("/appeals", raw=raw)
        assert response.status_code == 400
        assert response.json()["error"] in ("invalid_json", "validation_error")


def test_a_real_png_is_accepted(api, district, no_auto_dispatch):
    body = appeal_body(
        attachments=[{"name": "lamp.png", "content_type": "image/png", "content_base64": b64(PNG_BYTES)}]
    )
    response = api.post("/appeals", body)
    assert response.status_code == 201
    assert response.json()["appeal"]["attachments"] == [
        {"name": "lamp.png", "content_type": "image/png", "size": len(PNG_BYTES)}
    ]


def test_a_text_file_named_png_is_refused(api, district):
    fake = b64("这不是图片，只是文字。".encode())
    body = appeal_body(
        attachments=[{"name": "lamp.png", "content_type": "image/png", "content_base64": fake}]
    )
    response = api.post("/appeals", body)
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == "attachments"
    assert "lamp.png" in error["message"]
    assert "PNG" in error["message"]
    assert Appeal.objects.count() == 0


def test_idempotent_retry_returns_the_first_result(api, district, no_auto_dispatch):
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = api.post("/appeals", appeal_body(), headers=headers)
    again = api.post("/appeals", appeal_body(), headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["created"] is False
    assert Appeal.objects.count() == 1
    # a caller without an account: another body with the same key is another stranger's appeal,
    # never answered with the first one (defect 5: all anonymous callers shared one key scope)
    other = api.post("/appeals", appeal_body(text="另一件事：垃圾没人清运。"), headers=headers)
    assert other.status_code == 201
    assert other.json()["tracking_number"] != first.json()["tracking_number"]
    assert Appeal.objects.count() == 2
    # an authenticated caller who reuses its key for a different appeal is told so
    mine = api.post("/appeals", appeal_body(), headers=headers, user=district.operator)
    assert mine.status_code == 201
    clash = api.post(
        "/appeals", appeal_body(text="又一件事：路面塌陷。"), headers=headers, user=district.operator
    )
    assert clash.status_code == 409
    assert clash.json()["error"] == "conflict"
    assert Appeal.objects.count() == 3


def test_a_retried_anonymous_api_submission_gets_its_query_code(api, district, no_auto_dispatch):
    body = appeal_body(anonymous=True, contact_phone="", contact_name="", contact_consent=False)
    headers = {"Idempotency-Key": "retry-1"}
    first = api.post("/appeals", body, headers=headers).json()
    again = api.post("/appeals", body, headers=headers).json()
    assert again["created"] is False
    assert again["tracking_number"] == first["tracking_number"]
    assert again["access_code"] == first["access_code"]
    assert len(first["access_code"]) == 6
    assert api.get(f"/appeals/{first['tracking_number']}", proof=again["access_code"]).status_code == 200


def test_idempotency_key_too_long_is_a_400(api, district):
    response = api.post("/appeals", appeal_body(), headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"


def test_anonymous_submissions_are_rate_limited_per_ip(api, district, settings, no_auto_dispatch):
    settings.LIANXIN = {**settings.LIANXIN, "ANON_SUBMIT_RATE": "2/h", "AUTO_DISPATCH": False}
    assert api.post("/appeals", appeal_body()).status_code == 201
    assert api.post("/appeals", appeal_body()).status_code == 201
    limited = api.post("/appeals", appeal_body())
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert "稍后再试" in limited.json()["message"]
    assert 1 <= int(limited["Retry-After"]) <= 3600  # seconds until the hour's window ends
    # Another client IP is not affected; staff with a token are not limited.
    api.client.defaults["REMOTE_ADDR"] = "10.9.9.9"
    assert api.post("/appeals", appeal_body()).status_code == 201
    api.client.defaults["REMOTE_ADDR"] = "10.1.2.3"
    assert api.post("/appeals", appeal_body(), user=district.operator).status_code == 201
    assert Appeal.objects.count() == 4


def test_unknown_token_is_refused(api, district):
    response = api.post("/appeals", appeal_body(), headers={"Authorization": "Bearer lx_nope"})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    response = api.get("/me", headers={"X-Api-Key": "lx_nope"})
    assert response.status_code == 403
