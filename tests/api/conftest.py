from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from lianxin.org.models import User
from lianxin.org.services import api_token_create

# The smallest valid PNG: a 1×1 transparent pixel.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class Api:
    """A JSON client for /api/v1/ that authenticates with a real API token per user."""

    def __init__(self) -> None:
        self.client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")
        self._keys: dict[int, str] = {}

    def key_for(self, user: User) -> str:
        if user.pk not in self._keys:
            _token, raw = api_token_create(user=user, name=f"test {user.username}")
            self._keys[user.pk] = raw
        return self._keys[user.pk]

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: User | None = None,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
        **params: Any,
    ):
        extra: dict[str, Any] = {}
        if user is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.key_for(user)}"
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        url = f"/api/v1{path}"
        if method == "get":
            return self.client.get(url, params, **extra)
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(url, data=data, content_type="application/json", **extra)

    def get(self, path: str, **kw: Any):
        return self.call("get", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.call("post", path, body, **kw)


@pytest.fixture
def api(db) -> Api:
    return Api()


@pytest.fixture
def no_auto_dispatch(settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}


def appeal_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "text": "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，希望尽快修好。",
        "kind": "complaint",
        "category": "CJ-LD",
        "area": "G1",
        "contact_name": "张三",
        "contact_phone": "13812341234",
        "contact_consent": True,
    }
    body.update(overrides)
    return body
