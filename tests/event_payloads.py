"""A guard any app's tests can switch on for its typed event payloads (ADR 0008): after each test
that used the database, every event row it left behind parses into its payload class and writes
back the very JSON stored — so a payload that drops, renames or adds a key against what the
services write fails in the test that wrote it. Use: `payloads_round_trip_fixture(Model, REGISTRY)`
assigned to a name in the app's `conftest.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import models

from lianxin.core.payloads import PayloadRegistry


def rows_not_round_tripping(
    model: type[models.Model], registry: PayloadRegistry
) -> list[tuple[str, Any, Any]]:
    """(type, stored data, payload's data) of each stored row whose payload writes other JSON."""
    found = []
    for event_type, data in model._default_manager.order_by("pk").values_list("type", "data"):
        written = registry.parse(event_type, data).to_data()
        if written != (data or {}):
            found.append((event_type, data, written))
    return found


def payloads_round_trip_fixture(model: type[models.Model], registry: PayloadRegistry) -> Callable[..., Any]:
    @pytest.fixture(autouse=True)
    def _event_payloads_round_trip(request: pytest.FixtureRequest) -> Iterator[None]:
        marker = request.node.get_closest_marker("django_db")
        uses_db = marker is not None or any(
            name in request.fixturenames for name in ("db", "transactional_db", "district")
        )
        transactional = "transactional_db" in request.fixturenames or bool(
            marker and marker.kwargs.get("transaction")
        )
        if uses_db:  # asked for here, so the database outlives this check
            request.getfixturevalue("transactional_db" if transactional else "db")
        yield
        if uses_db:
            assert rows_not_round_tripping(model, registry) == []

    return _event_payloads_round_trip
