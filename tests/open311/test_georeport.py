"""Open311 GeoReport v2 driven over HTTP against a live server: reads through the PyPI client
`georeport` (JSON and XML), submissions through a spec-written client, errors in the spec's format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import requests
from georeport import GeoReport

from lianxin.appeals.models import Appeal, Channel, Status
from tests.api.conftest import PNG_BYTES

from .client import Open311Client, parse_xml


def _post(root: str, key: str, fmt: str = "json", **fields: str):
    body: dict[str, Any] = {
        "service_code": "CJ-LD",
        "lat": "31.230416",
        "long": "121.473701",
        "address_string": "幸福小区3栋门口",
        "description": "路灯坏了一个多月，晚上很黑，联系我 13812341234。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812341234",
        "area": "G1",
    }
    body.update(fields)
    return Open311Client(root, key, fmt).post_request(**body)


def test_services_through_georeport_json_and_xml(open311_root, live_district):
    services = GeoReport(open311_root).get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) >= {"CJ", "CJ-LD", "HB"}
    light = by_code["CJ-LD"]
    assert light["service_name"] == "路灯照明"
    assert light["group"] == "城乡建设"
    assert light["metadata"] is False
    assert light["type"] == "realtime"
    xml_services = GeoReport(open311_root, output_format="xml").get_service_list()
    xml_light = next(s for s in xml_services if s["service_code"] == "CJ-LD")
    assert xml_light["metadata"] == "false"
    assert xml_light["group"] == "城乡建设"


def test_service_definition_and_unknown_service(open311_root, live_district):
    definition = GeoReport(open311_root).get_service_definition("CJ-LD")
    assert definition == {"service_code": "CJ-LD", "attributes": []}
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(open311_root).get_service_definition("NOPE")
    assert info.value.response is not None
    assert info.value.response.status_code == 404
    body = info.value.response.json()
    assert body[0]["code"] == 404
    assert "NOPE" in body[0]["description"]
    response = requests.get(f"{open311_root}/services/NOPE.xml", timeout=10)
    tag, errors = parse_xml(response.content)
    assert response.status_code == 404
    assert tag == "errors"
    assert errors[0]["code"] == "404"


def test_post_then_read_back_without_personal_data(open311_root, api_key, live_district):
    status, body = _post(open311_root, api_key)
    assert status == 201
    tracking = body[0]["service_request_id"]
    assert tracking.startswith("LX")
    assert body[0]["service_notice"]
    appeal = Appeal.objects.get(tracking_number=tracking)
    assert appeal.channel == Channel.OPEN311
    assert appeal.contact_name == "张三"
    assert appeal.contact_phone == "13812341234"
    assert appeal.category is not None
    assert appeal.area is not None
    assert appeal.category.code == "CJ-LD"
    assert appeal.area.code == "G1"

    client = GeoReport(open311_root)
    one = client.get_service_request(tracking)
    assert one["service_request_id"] == tracking
    assert one["status"] == "open"
    assert one["service_code"] == "CJ-LD"
    assert one["service_name"] == "路灯照明"
    # the public record: no text, no address, no coordinates — the community only
    assert one["lat"] is None
    assert one["long"] is None
    assert one["description"] == ""
    assert one["address"] == "幸福社区"
    assert one["requested_datetime"]
    assert one["updated_datetime"]
    flat = str(one)
    assert "13812341234" not in flat
    assert "张三" not in flat
    assert "幸福小区3栋门口" not in flat
    # with an API key, the full record (phones in the text still masked)
    full = requests.get(
        f"{open311_root}/requests/{tracking}.json", params={"api_key": api_key}, timeout=10
    ).json()[0]
    assert full["lat"] == pytest.approx(31.230416)
    assert full["long"] == pytest.approx(121.473701)
    assert full["address"] == "幸福小区3栋门口"
    assert "138****1234" in full["description"]
    assert "13812341234" not in str(full)
    assert "张三" not in str(full)
    for field in ("first_name", "last_name", "phone", "email", "contact_name", "contact_phone"):
        assert field not in one

    xml_one = GeoReport(open311_root, output_format="xml").get_service_request(tracking)
    assert xml_one["service_request_id"] == tracking
    assert xml_one["status"] == "open"
    assert "13812341234" not in str(xml_one)


def test_post_in_xml_and_anonymous_with_a_photo(open311_root, api_key, live_district):
    client = Open311Client(open311_root, api_key, "xml")
    status, items = client.post_request(
        service_code="HB",
        address_string="河边",
        description="河里有死鱼，味道很大。",
        files={"media": ("photo.png", PNG_BYTES, "image/png")},
    )
    assert status == 201
    tracking = items[0]["service_request_id"]
    appeal = Appeal.objects.get(tracking_number=tracking)
    assert appeal.is_anonymous
    assert appeal.contact_phone == ""
    assert appeal.attachments.count() == 1
    assert "查询码" in items[0]["service_notice"]


def test_expected_datetime_and_agency_after_dispatch(open311_root, api_key, live_district):
    from lianxin.appeals.actors import Actor
    from lianxin.appeals.services import appeal_dispatch

    _status, body = _post(open311_root, api_key)
    appeal = Appeal.objects.get(tracking_number=body[0]["service_request_id"])
    appeal_dispatch(appeal=appeal, actor=Actor.staff(live_district.dispatcher), unit="U-CG")
    appeal.refresh_from_db()
    one = GeoReport(open311_root).get_service_request(appeal.tracking_number)
    assert one["agency_responsible"] == "城管局"
    assert dt.datetime.fromisoformat(one["expected_datetime"]) == appeal.resolve_due_at


def test_request_filters(open311_root, api_key, live_district):
    first = _post(open311_root, api_key)[1][0]["service_request_id"]
    second = _post(open311_root, api_key, service_code="HB")[1][0]["service_request_id"]
    Appeal.objects.filter(tracking_number=second).update(status=Status.CLOSED)
    client = GeoReport(open311_root)
    ids = {r["service_request_id"] for r in client.get_service_requests()}
    assert {first, second} <= ids
    assert [r["service_request_id"] for r in client.get_service_requests(service_code="HB")] == [second]
    assert {r["service_request_id"] for r in client.get_service_requests(service_code="CJ")} == {first}
    assert [r["service_request_id"] for r in client.get_service_requests(status="closed")] == [second]
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [first]
    both = client.get_service_requests(service_request_id=f"{first},{second}", status="closed")
    assert {r["service_request_id"] for r in both} == {first, second}  # ids override other filters
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    older = (dt.datetime.now(dt.UTC) - dt.timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get_service_requests(start_date=old, end_date=older) == []
    xml = GeoReport(open311_root, output_format="xml").get_service_requests(service_code="HB")
    assert xml["service_request_id"] == second  # xmltodict: one element is a dict


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_spec_format(open311_root, api_key, live_district, fmt):
    def errors(response):
        if fmt == "xml":
            tag, items = parse_xml(response.content)
            assert tag == "errors"
            return [{"code": int(i["code"]), "description": i["description"]} for i in items]
        return response.json()

    cases: list[tuple[Callable[..., requests.Response], str, dict[str, Any], int]] = [
        (
            requests.post,
            "requests",
            {"service_code": "CJ-LD", "description": "x", "address_string": "a"},
            403,
        ),
        (requests.post, "requests", {"api_key": "lx_wrong", "service_code": "CJ-LD"}, 403),
        (
            requests.post,
            "requests",
            {"api_key": api_key, "service_code": "NOPE", "description": "x", "address_string": "a"},
            400,
        ),
        (requests.post, "requests", {"api_key": api_key, "service_code": "CJ-LD", "description": "x"}, 400),
        (
            requests.post,
            "requests",
            {"api_key": api_key, "service_code": "CJ-LD", "address_string": "a"},
            400,
        ),
        (
            requests.post,
            "requests",
            {"api_key": api_key, "service_code": "CJ-LD", "description": "x", "lat": "north", "long": "1"},
            400,
        ),
        (requests.get, "requests", {"start_date": "yesterday"}, 400),
        (requests.get, "requests", {"status": "pending"}, 400),
        (requests.get, "requests", {"service_code": "CJ\x00"}, 400),
        (requests.get, "services/CJ%00", {}, 400),
        (
            requests.get,
            "requests",
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            400,
        ),
        (requests.get, "requests/LX19990101-000001", {}, 404),
        (requests.put, "requests", {}, 405),
    ]
    for method, path, params, status in cases:
        key = "data" if method is not requests.get else "params"
        response = method(f"{open311_root}/{path}.{fmt}", timeout=10, **{key: params})
        assert response.status_code == status, (path, params, response.content)
        body = errors(response)
        assert body[0]["code"] == status, body
        assert body[0]["description"], body
    assert Appeal.objects.count() == 0


def test_jurisdiction_checked_when_configured(open311_root, live_district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "OPEN311_JURISDICTION": "lianxin.example"}
    assert GeoReport(open311_root, jurisdiction="lianxin.example").get_service_list()
    response = requests.get(f"{open311_root}/services.json", params={"jurisdiction_id": "other"}, timeout=10)
    assert response.status_code == 400
    assert "jurisdiction_id" in response.json()[0]["description"]


def test_a_forwarded_resident_who_asked_for_anonymity_keeps_no_contact(open311_root, api_key, live_district):
    """`anonymous=true` with a phone and a name: neither is stored, a query code is issued, and the
    caller's named appeals by that phone are not linked to it anywhere."""
    from lianxin.appeals.selectors import recent_appeals_from_phone

    _status, named = _post(open311_root, api_key)
    status, body = _post(
        open311_root, api_key, anonymous="true", description="举报某小区物业私自收费，请保密。"
    )
    assert status == 201
    assert "查询码" in body[0]["service_notice"]
    appeal = Appeal.objects.get(tracking_number=body[0]["service_request_id"])
    assert appeal.is_anonymous
    assert appeal.contact_phone == ""
    assert appeal.contact_name == ""
    linked = [a.tracking_number for a in recent_appeals_from_phone("13812341234")]
    assert named[0]["service_request_id"] in linked
    assert appeal.tracking_number not in linked
