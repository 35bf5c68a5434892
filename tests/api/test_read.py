"""Reading appeals: by tracking number (public proof or staff token), lists and filters, timelines,
reference lists; the same 404 for absent and not-yours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.appeals.models import Appeal
from tests.factories import AppealFactory

from .conftest import appeal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(api, district, no_auto_dispatch) -> str:
    return api.post("/appeals", appeal_body()).json()["tracking_number"]


@pytest.fixture
def dispatched(api, district, submitted) -> str:
    assert (
        api.post(f"/appeals/{submitted}/dispatch", {"unit": "U-CG"}, user=district.dispatcher).status_code
        == 200
    )
    return submitted


def test_public_lookup_with_phone_digits(api, dispatched):
    response = api.get(f"/appeals/{dispatched}", proof="1234")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "dispatched"
    assert body["unit"] == {"code": "U-CG", "name": "城管局"}
    assert body["staff_view"] is False
    assert body["suggestion"] is None
    assert body["co_handlers"] is None
    assert body["contact"]["phone"] == "138****1234"
    assert body["allowed_actions"] == ["withdraw"]


def test_wrong_proof_absent_and_not_yours_look_the_same(api, district, dispatched):
    wrong = api.get(f"/appeals/{dispatched}", proof="0000")
    absent = api.get("/appeals/LX19990101-000001", proof="1234")
    no_proof = api.get(f"/appeals/{dispatched}")
    assert wrong.status_code == absent.status_code == no_proof.status_code == 404
    assert wrong.json()["message"] == absent.json()["message"]
    not_yours = api.get(f"/appeals/{dispatched}", user=district.handler_env)
    really_absent = api.get("/appeals/LX19990101-000001", user=district.handler_env)
    assert not_yours.status_code == really_absent.status_code == 404
    assert not_yours.json() == really_absent.json()
    assert api.get(f"/appeals/{dispatched}", user=district.leader_b).status_code == 404  # other street
    assert api.get(f"/appeals/{dispatched}", user=district.other_resident).status_code == 404


def test_staff_see_their_view(api, district, dispatched):
    for user in (district.handler_city, district.dispatcher, district.supervisor, district.grid_worker_a):
        response = api.get(f"/appeals/{dispatched}", user=user)
        assert response.status_code == 200, user
        assert response.json()["staff_view"] is True
    handler = api.get(f"/appeals/{dispatched}", user=district.handler_city).json()
    # the unit may record its first contact with the resident (联系群众) before accepting:
    # the response of docs/kpis.md
    assert handler["allowed_actions"] == ["accept", "return", "add_co_handler", "contact_resident"]


def test_resident_account_sees_own_appeal_by_session(district, no_auto_dispatch):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(district.resident)
    response = client.post("/api/v1/appeals", appeal_body(), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    token_value = "a" * 32  # a browser sends back the csrftoken cookie's value in X-CSRFToken
    client.cookies["csrftoken"] = token_value
    response = client.post(
        "/api/v1/appeals", appeal_body(), content_type="application/json", HTTP_X_CSRFTOKEN=token_value
    )
    assert response.status_code == 201, response.content
    tracking = response.json()["tracking_number"]
    assert Appeal.objects.get(tracking_number=tracking).resident == district.resident
    mine = client.get(f"/api/v1/appeals/{tracking}")
    assert mine.status_code == 200
    assert mine.json()["staff_view"] is False


def test_list_requires_authentication(api, district):
    response = api.get("/appeals")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_list_filters(api, district, no_auto_dispatch):
    now = timezone.now()
    lamp = AppealFactory(
        category=district.cat_light,
        area=district.grid_a,
        unit=district.unit_city,
        status="dispatched",
        urgency="urgent",
        overdue=True,
        title="路灯不亮",
    )
    river = AppealFactory(
        category=district.cat_env,
        area=district.grid_b,
        unit=district.unit_env,
        status="accepted",
        kind="report",
        channel="hotline",
        title="河道污染",
    )
    old = AppealFactory(
        category=district.cat_city,
        area=district.grid_a,
        status="closed",
        submitted_at=now - dt.timedelta(days=40),
        title="旧事",
    )

    def codes(**params):
        response = api.get("/appeals", user=district.admin, **params)
        assert response.status_code == 200, response.content
        return {r["tracking_number"] for r in response.json()["results"]}

    assert codes() == {lamp.tracking_number, river.tracking_number, old.tracking_number}
    assert codes(status="accepted") == {river.tracking_number}
    assert codes(kind="report") == {river.tracking_number}
    assert codes(category="CJ") == {lamp.tracking_number, old.tracking_number}  # subtree
    assert codes(area="S2") == {river.tracking_number}
    assert codes(unit="U-CG") == {lamp.tracking_number}
    assert codes(urgency="urgent") == {lamp.tracking_number}
    assert codes(channel="hotline") == {river.tracking_number}
    assert codes(overdue="true") == {lamp.tracking_number}
    assert codes(q="河道") == {river.tracking_number}
    since = (now - dt.timedelta(days=1)).date().isoformat()
    assert codes(submitted_from=since) == {lamp.tracking_number, river.tracking_number}
    assert codes(submitted_to=(now - dt.timedelta(days=30)).date().isoformat()) == {old.tracking_number}
    assert codes(queue="to_accept") == {lamp.tracking_number}


def test_list_is_limited_to_what_the_role_sees(api, district):
    mine = AppealFactory(
        category=district.cat_light, area=district.grid_a, unit=district.unit_city, status="dispatched"
    )
    AppealFactory(
        category=district.cat_env, area=district.grid_b, unit=district.unit_env, status="dispatched"
    )
    response = api.get("/appeals", user=district.handler_city)
    assert [r["tracking_number"] for r in response.json()["results"]] == [mine.tracking_number]
    assert response.json()["results"][0]["contact"]["phone"] == "138****1234"
    assert api.get("/appeals", user=district.other_resident).json()["count"] == 0


def test_list_pagination_and_bad_filters(api, district):
    for _ in range(5):
        AppealFactory(area=district.grid_a)
    page = api.get("/appeals", user=district.admin, page_size=2, page=3).json()
    assert page["count"] == 5
    assert page["pages"] == 3
    assert len(page["results"]) == 1
    cases: list[tuple[dict[str, Any], str]] = [
        ({"page_size": 101}, "page_size"),
        ({"page": 0}, "page"),
        ({"status": "lost"}, "status"),
        ({"category": "NOPE"}, "category"),
        ({"area": "NOPE"}, "area"),
        ({"unit": "NOPE"}, "unit"),
        ({"submitted_from": "yesterday"}, "submitted_from"),
        ({"q": "x" * 101}, "q"),
        ({"submitted_from": "2026-02-01", "submitted_to": "2026-01-01"}, "submitted_from"),
        ({"queue": "mine"}, "queue"),
        ({"q": "灯\x00"}, "q"),
    ]
    for params, field in cases:
        response = api.get("/appeals", user=district.admin, **params)
        assert response.status_code == 400, (params, response.content)
        assert response.json()["field"] == field


def test_list_query_count_is_bounded(api, district, django_assert_max_num_queries):
    for _ in range(30):
        AppealFactory(category=district.cat_light, area=district.grid_a, unit=district.unit_city)
    api.key_for(district.admin)
    with django_assert_max_num_queries(10):
        response = api.get("/appeals", user=district.admin, page_size=30)
    assert len(response.json()["results"]) == 30


def test_timeline_staff_and_public(api, district, dispatched):
    staff = api.get(f"/appeals/{dispatched}/timeline", user=district.dispatcher).json()
    assert [e["type"] for e in staff] == ["submitted", "triaged", "dispatched"]
    assert staff[2]["actor"] == district.dispatcher.display_name
    public = api.get(f"/appeals/{dispatched}/timeline", proof="1234").json()
    assert [e["type"] for e in public] == ["submitted", "dispatched"]  # triage is internal
    assert public[1]["actor"] == "城管局"
    assert district.dispatcher.display_name not in str(public)
    assert api.get(f"/appeals/{dispatched}/timeline", user=district.handler_env).status_code == 404


def test_reference_lists(api, district):
    categories = api.get("/categories").json()
    assert {"code": "CJ-LD", "name": "路灯照明", "parent": "CJ", "level": 2, "path": "CJ/CJ-LD"} in categories
    assert [c["code"] for c in api.get("/categories", parent="CJ").json()] == ["CJ-LD"]
    assert {c["code"] for c in api.get("/categories", level=1).json()} == {"CJ", "HB"}
    areas = api.get("/areas").json()
    assert {
        "code": "G1",
        "name": "幸福一网格",
        "parent": "C1",
        "level": "grid",
        "path": "D1/S1/C1/G1",
    } in areas
    assert [a["code"] for a in api.get("/areas", level="street").json()] == ["S1", "S2"]
    units = api.get("/units").json()
    assert {"code": "U-CG", "name": "城管局", "kind": "department", "area": "D1"} in units
    assert api.get("/categories", level=4).status_code == 400
    assert api.get("/areas", level="planet").status_code == 400
    assert api.get("/areas", parent="D\x00").status_code == 400


def test_me(api, district):
    me = api.get("/me", user=district.handler_city).json()
    assert me["username"] == "handler_city"
    assert me["roles"] == ["handler"]
    assert me["units"] == ["U-CG"]
    assert api.get("/me").status_code == 401


def test_unknown_api_path_is_json_404(api, district):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
