"""Schema-driven fuzzing: schemathesis generates requests from our OpenAPI document (valid and
invalid values: both generation modes) for every operation and asserts that none is answered with a 5xx.

(The `schemathesis.pytest.from_fixture` integration does not run under pytest 9, so the operations
are walked here with their Hypothesis strategies.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from lianxin.org.services import api_token_create
from tests.factories import AppealFactory, District

EXAMPLES_PER_OPERATION = 10
# Bounded by the number of examples, not by a clock: speed is for benchmarks, not tests.

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
    AppealFactory(
        tracking_number="LX20260101-000001",
        area=district.grid_a,
        category=district.cat_light,
        unit=district.unit_city,
        status="dispatched",
    )
    _token, key = api_token_create(user=district.admin, name="fuzz")
    return {"Authorization": f"Bearer {key}"}


def _operations(schema: Any) -> list[Any]:
    """Every operation of the document (an operation that fails to load fails the test)."""
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    return operations


def test_no_server_errors(admin_headers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = _operations(schema)
    assert len(operations) >= 20
    calls = 0

    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            nonlocal calls
            # As the public (no credentials) and as an administrator with a token.
            case.call_and_validate(checks=[not_a_server_error])
            case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])
            calls += 2

        fuzz()
    assert calls >= 2 * len(operations)


# --- object-level authorisation: a handler of unit_env probing unit_city's appeals ---------------

PROBE_EXAMPLES_PER_OPERATION = 5


@pytest.fixture
def two_units(settings, keep_test_connection):
    """unit_city's appeals (in three statuses, each with its own text, name and phone) and the
    caller: a handler of unit_env with an API token, who has one appeal of their own."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    district = District()
    city = [
        AppealFactory(
            tracking_number=f"LX20260101-00010{i}",
            area=district.grid_a,
            category=district.cat_light,
            unit=district.unit_city,
            status=status,
            title=f"城管专属标题{i}",
            text=f"城管局专属诉求{i}：幸福小区{i}号楼门口路灯坏了，晚上很黑。",
            contact_name=f"城管联系人{i}",
            contact_phone=f"1380000000{i}",
        )
        for i, status in enumerate(("dispatched", "accepted", "replied"), start=1)
    ]
    AppealFactory(
        tracking_number="LX20260101-000201",
        area=district.grid_b,
        category=district.cat_env,
        unit=district.unit_env,
        status="accepted",
        title="环保本单位标题",
        contact_phone="13900000002",
    )
    _token, key = api_token_create(user=district.handler_env, name="probe")
    return {"headers": {"Authorization": f"Bearer {key}"}, "city": city}


def _leaks(appeals, request_text: str, body: str) -> list[str]:
    """What of the other unit's appeals a response holds (a tracking number the caller sent itself
    may be echoed back in an error message)."""
    found = []
    for appeal in appeals:
        for value in (appeal.title, appeal.text, appeal.contact_name, appeal.contact_phone):
            if value in body:
                found.append(value)
        if appeal.tracking_number in body and appeal.tracking_number not in request_text:
            found.append(appeal.tracking_number)
    return found


def _aim(case, numbers: list[str], n: int) -> None:
    """Point the generated request at one of unit_city's tracking numbers and drop any resident
    proof (a proof is the public route, not the handler's)."""
    number = numbers[n % len(numbers)]
    if "tracking_number" in (case.path_parameters or {}):
        case.path_parameters = {**case.path_parameters, "tracking_number": number}
    if case.method.upper() == "GET" and case.path == "/appeals":
        case.query = {**(case.query or {}), "q": number}
    if isinstance(case.query, dict):
        case.query.pop("proof", None)
    if isinstance(case.body, dict):
        case.body.pop("proof", None)
        if "into" in case.body:
            case.body["into"] = number


def test_other_units_appeals_stay_hidden(two_units):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = _operations(schema)
    city = two_units["city"]
    numbers = [a.tracking_number for a in city]
    problems: list[str] = []
    refused: set[str] = set()
    calls = 0

    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=PROBE_EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def probe(case):
            nonlocal calls
            _aim(case, numbers, calls)
            calls += 1
            response = case.call(headers=two_units["headers"])
            label = f"{case.method.upper()} {case.formatted_path}"
            body = response.content.decode("utf-8", "replace")
            sent = f"{case.formatted_path} {case.query} {case.body}"
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
            if "tracking_number" in (case.path_parameters or {}):
                if response.status_code < 400 or response.status_code == 403:
                    problems.append(f"{label}: {response.status_code} for another unit's appeal (want 404)")
                if response.status_code == 404:
                    refused.add(case.operation.label)
            if leaked := _leaks(city, sent, body):
                problems.append(f"{label}: the response holds unit_city's {leaked}")

        probe()
    assert not problems, "\n".join(sorted(set(problems)))
    with_number = [op for op in operations if "{tracking_number}" in op.path]
    missed = {o.label for o in with_number} - refused
    assert not missed, f"never reached the appeal lookup (no 404): {missed}"
