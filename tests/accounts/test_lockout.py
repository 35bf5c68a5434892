"""Repeated failed logins lock the account (from any address) and the address (for any account)."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.audit.models import AuditEntry
from tests.factories import UserFactory

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.fixture
def people(db):
    return UserFactory(username="wang", password="right-horse-battery"), UserFactory(
        username="li", password="other-horse-battery"
    )


def test_five_failures_lock_the_account_even_from_another_address(settings, people):
    assert people
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(attacker, "wang", "guess").status_code == 200  # the form again, with its error
    locked = _login(attacker, "wang", "guess")
    assert locked.status_code == 429
    assert "登录已暂停" in locked.content.decode()
    assert "15 分钟" in locked.content.decode()
    assert locked["Retry-After"] == "900"
    # the real owner, elsewhere, with the right password, is locked out too until the cool-off
    owner = Client(REMOTE_ADDR="203.0.113.7")
    refused = _login(owner, "wang", "right-horse-battery")
    assert refused.status_code == 429
    assert "_auth_user_id" not in owner.session
    audit = AuditEntry.objects.filter(action="security", object_type="login", object_id="wang")
    entry = audit.first()
    assert entry is not None
    assert entry.data["event"] == "locked_out"


def test_failures_spread_over_accounts_lock_the_address(settings, people):
    assert people
    sprayer = Client(REMOTE_ADDR="198.51.100.2")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(sprayer, f"user-{n}", "Password123")
    assert _login(sprayer, "li", "other-horse-battery").status_code == 429
    # another address is unaffected
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert _login(other, "li", "other-horse-battery").status_code == 302


def test_cool_off_ends_the_lockout(settings, people):
    import datetime as dt

    import time_machine

    client = Client(REMOTE_ADDR="198.51.100.3")
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        for _i in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "wang", "guess")
        assert _login(client, "wang", "right-horse-battery").status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert _login(client, "wang", "right-horse-battery").status_code == 302


def test_a_success_before_the_limit_resets_the_count(settings, people):
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wang", "guess")
    assert _login(client, "wang", "right-horse-battery").status_code == 302
    client.post("/accounts/logout/")
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wang", "guess").status_code == 200
