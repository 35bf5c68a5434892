"""Phones and proofs never land in log lines (issue 10, defect 6)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lianxin.core.logredact import RedactFilter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /staff/hotline/similar/?contact_phone=13812340274 HTTP/1.1" 200 512',
            '"GET /staff/hotline/similar/?contact_phone=*** HTTP/1.1" 200 512',
        ),
        (
            "GET /api/v1/appeals/LX20261203-000001?proof=0274&lang=en",
            "GET /api/v1/appeals/LX20261203-000001?proof=***&lang=en",
        ),
        ("GET /staff/queue/all/?status=open&q=138%201234%200274", "GET /staff/queue/all/?status=open&q=***"),
        ("caller 13812340274 asked again", "caller 138****0274 asked again"),
        ("LX20261203-000001 dispatched to U-CG", "LX20261203-000001 dispatched to U-CG"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_the_filter_rewrites_gunicorn_style_records():
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "127.0.0.1", "r": "GET /track/?proof=1234 HTTP/1.1", "s": "200"},),
        None,
    )
    assert RedactFilter().filter(record)
    assert record.getMessage() == '127.0.0.1 "GET /track/?proof=*** HTTP/1.1" 200'


def test_the_access_loggers_carry_the_filter():
    from django.conf import settings

    config: dict[str, Any] = settings.LOGGING
    assert "redact" in config["handlers"]["console"]["filters"]
    for name in ("django.server", "gunicorn.access"):
        assert any(isinstance(f, RedactFilter) for f in logging.getLogger(name).filters), name
