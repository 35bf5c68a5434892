"""Every appeals test also guards the event payloads (ADR 0008): each event it left behind parses
into its payload class and writes back the very JSON that is stored, so a payload that drops,
renames or adds a key against what the actions write fails here, in the test that wrote it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lianxin.appeals.events import parse_payload
from lianxin.appeals.models import AppealEvent


def events_not_round_tripping() -> list[tuple[str, dict, dict]]:
    """(type, stored data, payload's data) of each stored event whose payload writes other JSON."""
    found = []
    for event_type, data in AppealEvent.objects.order_by("id").values_list("type", "data"):
        written = parse_payload(event_type, data).to_data()
        if written != (data or {}):
            found.append((event_type, data, written))
    return found


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
        assert events_not_round_tripping() == []


@pytest.fixture(params=["embedded", "shared"])
def duplicate_index_mode(request: pytest.FixtureRequest, settings) -> Iterator[str]:
    """Run a test with each process keeping its own duplicate index, and again with the index
    server that production hosts share (`lianxin duplicate_index serve`), on a socket of its own."""
    from lianxin.appeals.duplicate_index import reset_recent_index

    if request.param == "embedded":
        yield "embedded"
        return
    from .shared_index import running_index_server

    with running_index_server(settings):
        reset_recent_index()
        yield "shared"
        reset_recent_index()
