"""Bad input that used to answer 500 (issue 10, defect 4): each is a clear 4xx now, and a NUL
character in any text input is refused at the edge, in the caller's format."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.reports.models import Report
from tests.api.conftest import Api, appeal_body

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _open311_key(district) -> str:
    from lianxin.org.services import api_token_create

    return api_token_create(user=district.operator, name="open311 test")[1]


def test_a_nul_in_a_query_parameter_is_a_clear_400(district):
    r = _client().get("/appeal/areas/", {"level": "grid", "community": "\x00"})
    assert r.status_code == 400
    assert "空字符" in r.content.decode()
    assert "community" in r.content.decode()
    r = _client(district.operator).get("/staff/hotline/similar/", {"contact_phone": "1234567\x00"})
    assert r.status_code == 400
    assert "contact_phone" in r.content.decode()


def test_a_nul_in_report_forms_is_a_clear_400(district):
    c = _client(district.supervisor)
    r = c.post("/reports/generate/", {"period": "2026-10", "area": "\x00"})
    assert r.status_code == 400
    assert "area" in r.content.decode()
    assert Report.objects.count() == 0
    r = c.post("/reports/1/lessons/", {"lessons": "a\x00b"})
    assert r.status_code == 400
    assert "lessons" in r.content.decode()


def test_a_nul_in_the_api_answers_in_its_error_format(district):
    api = Api()
    r = api.post("/appeals", appeal_body(text="路灯坏了\x00很久了，请尽快修理一下。"))
    assert r.status_code == 400
    assert r.json()["code"] == "nul_character"
    assert r.json()["field"] == "text"
    r = api.post("/appeals", raw='{"text": "路灯坏了\\u0000很久了"}')
    assert r.status_code == 400
    assert r.json()["code"] == "nul_character"
    r = api.get("/appeals/LX1", proof="12\x0034")
    assert r.status_code == 400
    assert r.json()["field"] == "proof"
    from lianxin.appeals.models import Appeal

    assert Appeal.objects.count() == 0


def test_open311_refusals_are_in_the_georeport_format(district):
    c = _client()
    r = c.get("/open311/v2/requests.json", {"end_date": "0001-01-01T00:00:00Z"})
    assert r.status_code == 400
    assert "年份" in r.json()[0]["description"]
    r = c.get("/open311/v2/requests.json", {"start_date": "9999-12-31T23:59:59Z"})
    assert r.status_code == 400
    key = _open311_key(district)
    for value in ("NaN", "sNaN", "Infinity", "-inf"):
        r = c.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": "CJ-LD",
                "lat": value,
                "long": value,
                "description": "路灯坏了很久了，请尽快修理。",
                "area": "G1",
            },
        )
        assert r.status_code == 400, value
        assert r.json()[0]["code"] == 400
    r = c.post("/open311/v2/requests.xml", {"api_key": key, "service_code": "CJ-LD", "description": "a\x00b"})
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/xml")
    assert b"<errors>" in r.content


def test_the_openapi_document_says_nul_is_refused(district):
    description = _client().get("/api/v1/openapi.json").json()["info"]["description"]
    assert "NUL" in description


def test_ordinary_input_still_passes(district):
    assert _client().get("/appeal/areas/", {"level": "grid", "community": "C1"}).status_code == 200
    assert (
        _client(district.operator)
        .get("/staff/hotline/similar/", {"contact_phone": "13812341234"})
        .status_code
        == 200
    )


def test_persistent_connections_are_health_checked():
    """A connection the database dropped (restart, failover, idle timeout) is replaced on the next
    request instead of answering 500 (defect 5): Django checks a reused connection first."""
    from lianxin.settings.base import database_from_url

    config = database_from_url("postgres://postgres@127.0.0.1:5432/x")
    assert config["CONN_MAX_AGE"] > 0
    assert config["CONN_HEALTH_CHECKS"] is True
