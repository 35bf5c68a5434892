"""The SMS channel's pluggable backend (core/sms.py)."""

from __future__ import annotations

import logging

import pytest

from lianxin.core.sms import MemorySmsBackend, sms_send


def test_the_configured_backend_sends_and_the_log_never_has_the_number(settings, caplog):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    with caplog.at_level(logging.INFO, logger="lianxin.core.sms"):
        message_id = sms_send(number="13812341234", text="您的诉求已受理，编号 A1", reference="A1")
    assert MemorySmsBackend.outbox[-1].message_id == message_id
    assert MemorySmsBackend.outbox[-1].number == "13812341234"
    assert "13812341234" not in caplog.text
    assert "已受理" not in caplog.text
    assert "A1" in caplog.text


def test_no_number_sends_nothing_and_an_overlong_text_is_refused(settings):
    settings.LIANXIN = {**settings.LIANXIN, "SMS_BACKEND": "lianxin.core.sms.MemorySmsBackend"}
    MemorySmsBackend.outbox.clear()
    assert sms_send(number="", text="x", reference="A1") is None
    assert MemorySmsBackend.outbox == []
    with pytest.raises(ValueError, match="SMS text over"):
        sms_send(number="13812341234", text="x" * 301, reference="A1")
