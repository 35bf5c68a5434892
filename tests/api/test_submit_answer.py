"""The answer to `POST /appeals` is built from the rows the intake just wrote (no re-read): it must
be exactly what reading the appeal back gives, for every kind of caller; and one intake stays a
few statements (a batch of one, `appeals.creation`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import PNG_BYTES, appeal_body

pytestmark = pytest.mark.django_db

# One hotline intake, auto-dispatched, over the API with a token: 28 statements on PostgreSQL at
# the time of writing (44 before the batch-of-one path). The cap catches a step that goes back to
# one statement per event or per audit entry.
MAX_STATEMENTS = 32


def _detail_read_back(api, tracking_number, user):
    response = api.get(f"/appeals/{tracking_number}", user=user)
    assert response.status_code == 200
    return response.json()


def test_the_answer_of_a_staff_intake_is_the_appeal_as_read_back(api, district):
    response = api.post("/appeals", appeal_body(channel="hotline"), user=district.operator)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "dispatched"
    assert body["appeal"]["unit"]["code"] == district.unit_city.code
    assert body["appeal"] == _detail_read_back(api, body["tracking_number"], district.operator)


def test_the_answer_with_attachments_lists_them_as_read_back(api, district):
    import base64

    files = [
        {
            "name": "lamp.png",
            "content_type": "image/png",
            "content_base64": base64.b64encode(PNG_BYTES).decode(),
        }
    ]
    response = api.post("/appeals", appeal_body(attachments=files), user=district.operator)
    assert response.status_code == 201
    shown = response.json()["appeal"]
    assert [a["name"] for a in shown["attachments"]] == ["lamp.png"]
    assert shown == _detail_read_back(api, response.json()["tracking_number"], district.operator)


def test_the_answer_of_a_resident_keeps_the_contact_masked(api, district):
    response = api.post("/appeals", appeal_body(), user=district.resident)
    assert response.status_code == 201
    shown = response.json()["appeal"]
    assert shown["staff_view"] is False
    assert "13812341234" not in response.content.decode()
    assert shown == _detail_read_back(api, response.json()["tracking_number"], district.resident)


def test_a_replay_answers_the_appeal_as_it_is_now(api, district):
    headers = {"Idempotency-Key": "retry-answer-1"}
    first = api.post("/appeals", appeal_body(channel="hotline"), user=district.operator, headers=headers)
    again = api.post("/appeals", appeal_body(channel="hotline"), user=district.operator, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["appeal"] == first.json()["appeal"]


def test_one_intake_is_a_few_statements(api, district):
    api.post("/appeals", appeal_body(channel="hotline"), user=district.operator)  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        response = api.post(
            "/appeals", appeal_body(channel="hotline", contact_phone="13900001111"), user=district.operator
        )
    assert response.status_code == 201
    assert response.json()["status"] == "dispatched"
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) <= MAX_STATEMENTS, "\n".join(sql)
    # each table written once, whatever the number of events and audit entries
    for table in ("appeals_appeal", "appeals_appealevent", "audit_auditentry"):
        assert sum(s.startswith(f'INSERT INTO "{table}"') for s in sql) == 1, table
