"""`POST /appeals/{tn}/reclassify` (改分类): codes in, the same checks as the service, refusals."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, EventType

from .conftest import appeal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def tn(api, district, no_auto_dispatch) -> str:
    tracking = api.post("/appeals", appeal_body()).json()["tracking_number"]
    assert (
        api.post(f"/appeals/{tracking}/dispatch", {"unit": "U-CG"}, user=district.dispatcher).status_code
        == 200
    )
    return tracking


def test_dispatcher_reclassifies_by_codes(api, district, tn):
    before = Appeal.objects.get(tracking_number=tn)
    staff_view = api.get(f"/appeals/{tn}", user=district.dispatcher).json()
    assert "reclassify" in staff_view["allowed_actions"]
    response = api.post(
        f"/appeals/{tn}/reclassify",
        {"category": "HB", "area": "G2", "reason": "实为噪音问题"},
        user=district.dispatcher,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] == {"code": "HB", "name": "环境保护"}
    assert body["area"] == {"code": "G2", "name": "和平一网格"}
    assert body["status"] == "dispatched"
    assert body["unit"]["code"] == "U-CG"
    after = Appeal.objects.get(tracking_number=tn)
    assert after.resolve_due_at == before.resolve_due_at
    event = after.events.get(type=EventType.RECLASSIFIED)
    assert (event.data["from_category_code"], event.data["to_category_code"]) == ("CJ-LD", "HB")
    assert (event.data["from_area_code"], event.data["to_area_code"]) == ("G1", "G2")
    # staff see it on the timeline; the public does not
    staff_types = [e["type"] for e in api.get(f"/appeals/{tn}/timeline", user=district.dispatcher).json()]
    assert "reclassified" in staff_types
    public_types = [e["type"] for e in api.get(f"/appeals/{tn}/timeline", proof="1234").json()]
    assert "reclassified" not in public_types


def test_only_the_area(api, district, tn):
    response = api.post(
        f"/appeals/{tn}/reclassify", {"area": "C1", "reason": "具体网格不明"}, user=district.admin
    )
    assert response.status_code == 200, response.content
    assert response.json()["area"]["code"] == "C1"
    assert response.json()["category"]["code"] == "CJ-LD"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"area": "G2", "reason": ""}, "reason", "请填写改分类原因"),
        ({"reason": "x"}, "category", "都没有变化"),
        ({"category": "NOPE", "reason": "x"}, "category", "NOPE"),
        ({"area": "S2", "reason": "x"}, "area", "社区或网格"),
        ({"area": "Z9", "reason": "x"}, "area", "Z9"),
    ],
)
def test_bad_input_is_400_with_the_field(api, district, tn, body, field, words):  # noqa: PLR0917  pytest passes fixtures and parameters by name
    response = api.post(f"/appeals/{tn}/reclassify", body, user=district.dispatcher)
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["error"] == "validation_error"
    assert error["field"] == field
    assert words in error["message"]
    assert not Appeal.objects.get(tracking_number=tn).events.filter(type=EventType.RECLASSIFIED).exists()


def test_schema_refusals(api, district, tn):
    # the reason is required, unknown fields and over-long codes are refused by the schema
    for body in (
        {"area": "G2"},
        {"area": "G2", "reason": "x", "unit": "U-HB"},
        {"area": "G" * 41, "reason": "x"},
    ):
        response = api.post(f"/appeals/{tn}/reclassify", body, user=district.dispatcher)
        assert response.status_code == 400, body


def test_refusals(api, district, tn):
    body = {"area": "G2", "reason": "选错网格"}
    handler = api.post(f"/appeals/{tn}/reclassify", body, user=district.handler_city)
    assert handler.status_code == 403
    assert handler.json()["error"] == "forbidden"
    assert (
        api.post(f"/appeals/{tn}/reclassify", body, user=district.handler_env).status_code == 404
    )  # not visible
    assert api.post(f"/appeals/{tn}/reclassify", body).status_code == 401  # no credentials
    assert (
        api.post(f"/appeals/{tn}/reclassify", body, user=district.resident).status_code == 404
    )  # not theirs
    own = api.post("/appeals", appeal_body(), user=district.resident).json()["tracking_number"]
    assert Appeal.objects.get(tracking_number=own).resident == district.resident
    refused = api.post(f"/appeals/{own}/reclassify", body, user=district.resident)
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert api.post(f"/appeals/{tn}/withdraw", {"proof": "1234"}).status_code == 200
    withdrawn = api.post(f"/appeals/{tn}/reclassify", body, user=district.dispatcher)
    assert withdrawn.status_code == 409
    assert withdrawn.json()["error"] == "transition_not_allowed"
    area = Appeal.objects.get(tracking_number=tn).area
    assert area is not None
    assert area.code == "G1"
