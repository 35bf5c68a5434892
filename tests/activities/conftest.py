from __future__ import annotations

import pytest

from tests.api.conftest import Api


@pytest.fixture
def api(db) -> Api:
    return Api()
