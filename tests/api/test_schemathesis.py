"""Schema-driven fuzzing: schemathesis generates requests from our OpenAPI document (valid and
invalid values: both generation modes) for every operation and asserts that none is answered with a 5xx.

(The `schemathesis.pytest.from_fixture` integration does not run under pytest 9, so the operations
are walked here with their Hypothesis strategies.)
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from lianxin.org.services import api_token_create
from tests.factories import AppealFactory, District

EXAMPLES_PER_OPERATION = 10
# ~2 s an operation on the 2-core machine (60 s for the 30 operations before mediation and learning).
TIME_BUDGET_SECONDS_PER_OPERATION = 2.5

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI handler must not close the test transaction's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(settings, keep_test_connection) -> dict[str, str]:
    settings.ALLOWED_HOSTS = ["*"]
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    district = District()
    AppealFactory(tracking_number="LX20260101-000001", area=district.grid_a, category=district.cat_light,
                  unit=district.unit_city, status="dispatched")
    _token, key = api_token_create(user=district.admin, name="fuzz")
    return {"Authorization": f"Bearer {key}"}


def test_no_server_errors(admin_headers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    started = time.monotonic()
    calls = 0

    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            nonlocal calls
            # As the public (no credentials) and as an administrator with a token.
            case.call_and_validate(checks=[not_a_server_error])
            case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])
            calls += 2

        fuzz()
    elapsed = time.monotonic() - started
    assert calls >= 2 * len(operations)
    budget = TIME_BUDGET_SECONDS_PER_OPERATION * len(operations)
    assert elapsed < budget, f"fuzzing took {elapsed:.0f} s for {len(operations)} operations (budget {budget:.0f} s)"
