from __future__ import annotations

import pytest

from lianxin.org.services import api_token_create
from tests.factories import District


@pytest.fixture
def live_district(transactional_db) -> District:
    return District()


@pytest.fixture
def open311_root(live_server, settings) -> str:
    settings.ALLOWED_HOSTS = ["*"]
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def api_key(live_district) -> str:
    _token, raw = api_token_create(user=live_district.operator, name="open311 app")
    return raw
