from __future__ import annotations

import pytest

from tests.api.conftest import Api


@pytest.fixture
def api(db) -> Api:
    return Api()


@pytest.fixture(autouse=True)
def _no_login_lockout_bookkeeping(settings):
    """`force_login` builds a request without an address; django-axes then records the login with
    the address "unknown", which PostgreSQL's inet column refuses (the shared web tests fail the same
    way on PostgreSQL). Lockouts are not what these tests are about."""
    settings.AXES_ENABLED = False
