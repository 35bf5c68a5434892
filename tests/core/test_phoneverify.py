"""The shared verified-phone code (core/phoneverify.py): sent by SMS, hashed at rest, expiring,
single-use, limited in attempts and in sends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from lianxin.core import phoneverify
from lianxin.core.errors import RateLimitedError, ValidationFailedError
from lianxin.core.models import PhoneChallenge

PHONE = "13900001111"
pytestmark = pytest.mark.django_db


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_code_round_trip_and_nothing_in_the_clear(sms_outbox):
    row = phoneverify.code_send(phone="+86 139-0000-1111", purpose="subscriptions")
    code = sms_outbox.code(PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, code_hash, phone_hash FROM core_phonechallenge WHERE id = %s", [row.pk])
        stored = " ".join(cursor.fetchone())
    assert PHONE not in stored
    assert code not in stored
    with pytest.raises(ValidationFailedError, match="不正确"):
        phoneverify.code_verify(purpose="subscriptions", phone=PHONE, code=_wrong(code))
    with pytest.raises(ValidationFailedError, match="失效"):  # another feature's code is not this one
        phoneverify.code_verify(purpose="activities", phone=PHONE, code=code)
    assert phoneverify.code_verify(purpose="subscriptions", phone="139 0000 1111", code=code) == PHONE
    with pytest.raises(ValidationFailedError, match="失效"):  # once only
        phoneverify.code_verify(purpose="subscriptions", phone=PHONE, code=code)


def test_landlines_and_bad_numbers_are_refused(sms_outbox):
    with pytest.raises(ValidationFailedError, match="手机"):
        phoneverify.code_send(phone="010-12345678", purpose="subscriptions")
    with pytest.raises(ValidationFailedError):
        phoneverify.code_send(phone="12345", purpose="subscriptions")
    assert sms_outbox.messages == []


def test_expired_code_and_too_many_attempts(sms_outbox):
    phoneverify.code_send(phone=PHONE, purpose="activities")
    code = sms_outbox.code()
    PhoneChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationFailedError, match="失效"):
        phoneverify.code_verify(purpose="activities", phone=PHONE, code=code)
    phoneverify.code_send(phone=PHONE, purpose="activities")
    code = sms_outbox.code()
    for _ in range(phoneverify.MAX_ATTEMPTS):
        with pytest.raises(ValidationFailedError, match="不正确"):
            phoneverify.code_verify(purpose="activities", phone=PHONE, code=_wrong(code))
    with pytest.raises(ValidationFailedError, match="失效"):
        phoneverify.code_verify(purpose="activities", phone=PHONE, code=code)


def test_a_new_code_replaces_the_old_one(sms_outbox):
    phoneverify.code_send(phone=PHONE, purpose="activities")
    first = sms_outbox.code()
    phoneverify.code_send(phone=PHONE, purpose="activities")
    second = sms_outbox.code()
    if first != second:
        with pytest.raises(ValidationFailedError):
            phoneverify.code_verify(purpose="activities", phone=PHONE, code=first)
    assert phoneverify.code_verify(purpose="activities", phone=PHONE, code=second) == PHONE


def test_sends_are_rate_limited_per_number_and_per_client(sms_outbox):
    for _ in range(5):
        phoneverify.code_send(phone=PHONE, purpose="subscriptions")
    with pytest.raises(RateLimitedError, match="验证码发送过于频繁"):
        phoneverify.code_send(phone=PHONE, purpose="subscriptions")
    for i in range(20):
        phoneverify.code_send(phone=f"1370000{i:04d}", purpose="subscriptions", client="10.0.0.9")
    with pytest.raises(RateLimitedError):
        phoneverify.code_send(phone="13600000000", purpose="subscriptions", client="10.0.0.9")
    assert len(sms_outbox.messages) == 25


def test_session_proof(sms_outbox):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().post("/", {"step": "send_code", "phone": PHONE})
    request.session = SessionStore()
    assert "已发送" in (phoneverify.form_step(request, purpose="activities") or "")
    assert phoneverify.verified_phone(request) is None
    assert phoneverify.pending_phone(request) == PHONE
    request.POST = request.POST.copy()  # type: ignore[assignment]  # a mutable copy, as a middleware may set
    request.POST.update({"step": "verify_code", "code": sms_outbox.code(), "phone": ""})
    assert phoneverify.form_step(request, purpose="activities") == "手机号已验证。"
    assert phoneverify.verified_phone(request) == PHONE
    assert PHONE not in str(request.session[phoneverify.SESSION_KEY])  # encrypted in the session too
    request.session[phoneverify.SESSION_KEY]["t"] -= int(phoneverify.SESSION_TTL.total_seconds()) + 1
    assert phoneverify.verified_phone(request) is None
