"""Probes, metrics, request ids and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from lianxin.core.ops.jsonlog import JsonFormatter
from lianxin.core.ops.requestid import RequestIdFilter


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_broker_when_it_is_down(client, settings):
    settings.BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    from lianxin.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = settings.BROKER_URL  # type: ignore[misc]  # settable; celery-types says read-only
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = previous  # type: ignore[misc]  # settable; celery-types says read-only
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "not ready"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(client, monkeypatch):
    from lianxin.core.ops import health

    def pending() -> str:
        raise RuntimeError("1 migration(s) not applied: appeals.9999_future — run `lianxin migrate`")

    monkeypatch.setitem(health.CHECKS, "migrations", pending)
    body = client.get("/readyz").json()
    assert body["checks"]["migrations"]["ok"] is False
    assert "lianxin migrate" in body["checks"]["migrations"]["detail"]


@pytest.mark.django_db
def test_metrics_count_requests_intake_and_queues(settings, django_capture_on_commit_callbacks):
    from prometheus_client import REGISTRY

    from tests.factories import District

    district = District()
    local = Client(REMOTE_ADDR="127.0.0.1")
    local.get("/healthz")
    from lianxin.appeals.actors import Actor
    from lianxin.appeals.intake import AppealInput, appeal_submit

    before = REGISTRY.get_sample_value("lianxin_appeals_submitted_total", {"channel": "web"}) or 0.0
    with django_capture_on_commit_callbacks(execute=True):
        appeal_submit(
            data=AppealInput(
                title="路灯不亮",
                text="幸福社区三号楼前路灯坏了一周",
                channel="web",
                area_code=district.community_a.code,
                contact_name="张",
                contact_phone="13800001111",
                contact_consent=True,
            ),
            actor=Actor.resident(None),
        )
    assert REGISTRY.get_sample_value("lianxin_appeals_submitted_total", {"channel": "web"}) == before + 1
    text = local.get("/metrics").content.decode()
    assert 'lianxin_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert 'lianxin_appeals_open{status="submitted"}' in text
    assert "lianxin_deadline_sweep_lag_seconds" in text
    assert "lianxin_appeals_overdue_unflagged" in text


def test_metrics_are_not_public(settings):
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 403
    settings.LIANXIN = {**settings.LIANXIN, "METRICS_TOKEN": "s3cret-token"}
    far = Client(REMOTE_ADDR="203.0.113.5")
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_every_response_has_a_request_id_and_only_trusted_proxies_set_it(client, settings):
    own = client.get("/healthz")["X-Request-ID"]
    assert len(own) == 32
    forged = Client(REMOTE_ADDR="203.0.113.5").get("/healthz", HTTP_X_REQUEST_ID="attacker-chosen-id")
    assert forged["X-Request-ID"] != "attacker-chosen-id"
    settings.LIANXIN = {**settings.LIANXIN, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    proxied = Client(REMOTE_ADDR="10.0.0.2").get("/healthz", HTTP_X_REQUEST_ID="edge-1234abcd")
    assert proxied["X-Request-ID"] == "edge-1234abcd"


def test_json_log_lines_carry_the_request_id_and_no_phone():
    record = logging.makeLogRecord(
        {
            "name": "lianxin.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "caller %s",
            "args": ("13812345678",),
        }
    )
    record.path = "/staff/hotline/similar/?contact_phone=13812345678"
    from lianxin.core.logredact import RedactFilter

    RequestIdFilter().filter(record)
    RedactFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "-"
    assert line["level"] == "WARNING"
    assert line["logger"] == "lianxin.test"
    assert "13812345678" not in json.dumps(line)
    assert line["message"] == "caller 138****5678"
