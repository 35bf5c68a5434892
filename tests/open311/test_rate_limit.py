"""Open311 POST is rate-limited per API token's account and, for missing or refused keys, per
client IP; both answer 429 in the spec's error format (JSON and XML) with Retry-After."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
import time_machine
from django.test import Client

from lianxin.appeals.models import Appeal
from lianxin.org.services import api_token_create

from .client import Open311Client, parse_xml

BODY: dict[str, Any] = {
    "service_code": "CJ-LD",
    "address_string": "幸福小区3栋门口",
    "description": "路灯坏了一个多月，晚上很黑。",
    "area": "G1",
}


@pytest.fixture(autouse=True)
def _start_of_an_hour():
    """The limits count in fixed clock-hour windows: start each test just after the top of an hour,
    so that none straddles two windows (the live server's thread sees the same clock)."""
    now = time.time()
    with time_machine.travel(now - now % 3600 + 3600 + 1, tick=True):
        yield


@pytest.fixture
def limits(settings):
    def set_limits(post: str = "10000/h", auth_fail: str = "10000/h") -> None:
        settings.LIANXIN = {
            **settings.LIANXIN,
            "AUTO_DISPATCH": False,
            "OPEN311_POST_RATE": post,
            "OPEN311_AUTH_FAIL_RATE": auth_fail,
        }

    return set_limits


def test_the_token_past_its_limit_gets_429_in_json_and_xml(open311_root, api_key, live_district, limits):
    limits(post="3/h")
    client = Open311Client(open311_root, api_key)
    for _ in range(3):
        assert client.post_request(**BODY)[0] == 201

    limited = requests.post(f"{open311_root}/requests.json", data={"api_key": api_key, **BODY}, timeout=10)
    assert limited.status_code == 429
    assert limited.headers["Content-Type"].startswith("application/json")
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    [err] = limited.json()
    assert err["code"] == 429
    description = err["description"]
    assert "每小时最多 3 次" in description
    assert "分钟后再试" in description
    assert "联系系统管理员" in description

    limited_xml = requests.post(f"{open311_root}/requests.xml", data={"api_key": api_key, **BODY}, timeout=10)
    tag, errors = parse_xml(limited_xml.content)
    assert limited_xml.status_code == 429
    assert limited_xml.headers["Retry-After"]
    assert tag == "errors"
    assert errors == [{"code": "429", "description": description}]

    assert Appeal.objects.count() == 3  # the refused POSTs created nothing


def test_another_token_is_not_affected(open311_root, api_key, live_district, limits):
    limits(post="1/h")
    _token, other_key = api_token_create(user=live_district.admin, name="another partner")
    first, second = Open311Client(open311_root, api_key), Open311Client(open311_root, other_key)
    assert first.post_request(**BODY)[0] == 201
    assert first.post_request(**BODY)[0] == 429
    status, body = second.post_request(**BODY)
    assert status == 201
    assert body[0]["service_request_id"].startswith("LX")
    assert second.post_request(**BODY)[0] == 429
    assert Appeal.objects.count() == 2


def test_refused_posts_count_against_the_token_too(open311_root, api_key, live_district, limits):
    """A client looping on a bad request is stopped as well: every authenticated POST counts."""
    limits(post="2/h")
    client = Open311Client(open311_root, api_key)
    assert client.post_request(**{**BODY, "service_code": "NOPE"})[0] == 400
    assert client.post_request(**BODY)[0] == 201
    assert client.post_request(**BODY)[0] == 429
    assert Appeal.objects.count() == 1


def test_the_english_message(open311_root, api_key, live_district, limits):
    limits(post="1/h")
    cookies = {"django_language": "en"}
    url = f"{open311_root}/requests.json"
    assert (
        requests.post(url, data={"api_key": api_key, **BODY}, cookies=cookies, timeout=10).status_code == 201
    )
    limited = requests.post(url, data={"api_key": api_key, **BODY}, cookies=cookies, timeout=10)
    description = limited.json()[0]["description"]
    assert limited.status_code == 429
    assert "at most 1 per hour" in description
    assert "minutes" in description
    assert "administrator" in description


def _post(client: Client, ip: str, fmt: str = "json", **fields: str):
    return client.post(f"/open311/v2/requests.{fmt}", {**BODY, **fields}, REMOTE_ADDR=ip)


def test_bad_keys_from_one_ip_get_429_after_the_limit(district, limits):
    limits(auth_fail="3/h")
    _token, good_key = api_token_create(user=district.operator, name="partner")
    client = Client()
    assert _post(client, "10.0.0.1", api_key="lx_wrong1").status_code == 403
    assert _post(client, "10.0.0.1").status_code == 403  # a missing key counts as well
    assert _post(client, "10.0.0.1", "xml", api_key="lx_wrong2").status_code == 403

    limited = _post(client, "10.0.0.1", api_key="lx_wrong3")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 3600
    [err] = limited.json()
    assert err["code"] == 429
    assert "同一 IP 地址每小时最多 3 次" in err["description"]
    assert "核对 api_key" in err["description"]
    assert "联系系统管理员" in err["description"]
    tag, errors = parse_xml(_post(client, "10.0.0.1", "xml", api_key="lx_wrong4").content)
    assert tag == "errors"
    assert errors[0]["code"] == "429"

    # A partner with a valid key behind the same address is not locked out by a stranger's guesses.
    assert _post(client, "10.0.0.1", api_key=good_key).status_code == 201
    # Other addresses are not affected, with a bad key or a good one.
    assert _post(client, "10.0.0.2", api_key="lx_wrong").status_code == 403
    assert _post(client, "10.0.0.2", api_key=good_key).status_code == 201
    assert Appeal.objects.count() == 2


def test_good_keys_do_not_use_up_the_ip_allowance(district, limits):
    limits(auth_fail="1/h")
    _token, good_key = api_token_create(user=district.operator, name="partner")
    client = Client()
    for _ in range(3):
        assert _post(client, "10.0.0.1", api_key=good_key).status_code == 201
    assert _post(client, "10.0.0.1", api_key="lx_wrong").status_code == 403
    assert _post(client, "10.0.0.1", api_key="lx_wrong").status_code == 429
    assert _post(client, "10.0.0.1", api_key=good_key).status_code == 201


def test_get_endpoints_stay_unlimited(district, limits):
    limits(post="1/h", auth_fail="1/h")
    _token, good_key = api_token_create(user=district.operator, name="partner")
    client = Client()
    tracking = _post(client, "10.0.0.1", api_key=good_key).json()[0]["service_request_id"]
    assert _post(client, "10.0.0.1", api_key=good_key).status_code == 429
    assert _post(client, "10.0.0.1", api_key="lx_wrong").status_code == 403
    assert _post(client, "10.0.0.1", api_key="lx_wrong").status_code == 429
    for _ in range(5):
        for path in ("services.json", "services/CJ-LD.xml", "requests.json", f"requests/{tracking}.json"):
            response = client.get(f"/open311/v2/{path}", REMOTE_ADDR="10.0.0.1")
            assert response.status_code == 200, path
    # a wrong key on a read is refused and counted like one on a POST: otherwise the difference
    # between a public and a full record would test keys without limit
    assert (
        client.get("/open311/v2/requests.json", {"api_key": "lx_wrong"}, REMOTE_ADDR="10.0.0.1").status_code
        == 429
    )
    assert (
        client.get("/open311/v2/services.json", {"api_key": "lx_wrong"}, REMOTE_ADDR="10.0.0.1").status_code
        == 200
    )
