"""API keys carry scopes: a key does only what it was granted, never more than its user's roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lianxin.core.errors import ValidationFailedError
from lianxin.org.services import api_token_create
from tests.appeals.helpers import dispatched

from .conftest import appeal_body

pytestmark = pytest.mark.django_db


def _client(key: str) -> tuple[Client, dict[str, Any]]:
    return Client(REMOTE_ADDR="10.9.9.9"), {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_read_only_key_reads_but_cannot_act(district, settings):
    appeal = dispatched(district, settings=settings)
    _token, key = api_token_create(user=district.dispatcher, name="dashboard", scopes=["read"])
    client, auth = _client(key)
    assert client.get("/api/v1/appeals", **auth).status_code == 200
    refused = client.post(
        f"/api/v1/appeals/{appeal.tracking_number}/redispatch",
        data={"unit": "U-HB"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert "write" in refused.json()["message"]
    submit = client.post("/api/v1/appeals", data=appeal_body(), content_type="application/json", **auth)
    assert submit.status_code == 403


def test_without_the_contact_scope_phones_stay_masked(district, settings):
    appeal = dispatched(district, settings=settings)
    _t, narrow = api_token_create(user=district.operator, name="stats", scopes=["read", "write"])
    _t, wide = api_token_create(user=district.operator, name="hotline", scopes=["read", "write", "contact"])
    url = f"/api/v1/appeals/{appeal.tracking_number}"
    client, auth = _client(narrow)
    assert "13812341234" not in client.get(url, **auth).content.decode()
    refused = client.post(f"{url}/contact", data={"purpose": "回访"}, content_type="application/json", **auth)
    assert refused.status_code in (403, 404)
    assert "13812341234" not in refused.content.decode()
    client, auth = _client(wide)
    shown = client.post(f"{url}/contact", data={"purpose": "回访"}, content_type="application/json", **auth)
    assert shown.status_code == 200
    assert "13812341234" in shown.content.decode()


def test_open311_needs_its_scope(district):
    _t, key = api_token_create(user=district.operator, name="partner", scopes=["read"])
    response = Client(REMOTE_ADDR="10.9.9.8").post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "CJ-LD", "address_string": "幸福小区", "description": "路灯坏了"},
    )
    assert response.status_code == 403
    assert "open311" in response.content.decode()


def test_unknown_scopes_are_refused(district):
    with pytest.raises(ValidationFailedError, match="未知的令牌权限"):
        api_token_create(user=district.operator, name="x", scopes=["read", "everything"])


def test_a_token_records_its_last_use_to_the_minute(api, district):
    import datetime as dt

    from django.utils import timezone

    from lianxin.org.models import ApiToken

    assert api.get("/me", user=district.operator).status_code == 200
    token = ApiToken.objects.get(user=district.operator)
    first = token.last_used_at
    assert first is not None
    assert api.get("/me", user=district.operator).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    assert api.get("/me", user=district.operator).status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=30)
