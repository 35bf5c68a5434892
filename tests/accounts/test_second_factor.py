"""Two factors for the powerful roles: enrolment on first login, codes, recovery codes, the API."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianxin.audit.models import AuditEntry
from lianxin.org.models import Role
from tests.factories import staff

STAFF_HOME = "/staff/"


@pytest.fixture
def two_factor(settings):
    settings.LIANXIN = {
        **settings.LIANXIN,
        "TWO_FACTOR_ROLES": ["admin", "supervisor", "leader", "dispatcher"],
    }


def _code(user, drift: int = 0) -> str:
    """The authenticator's code now (drift=1: the next step's, as a code already used may not be reused)."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _enrol(client: Client, user) -> list[str]:
    page = client.get("/accounts/2fa/setup/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    done = client.post("/accounts/2fa/setup/", {"token": _code(user), "next": STAFF_HOME})
    assert done.status_code == 200
    return re.findall(r"<code>([0-9a-z]{8})</code>", done.content.decode())


@pytest.mark.django_db
def test_a_dispatcher_is_sent_to_enrol_before_any_work(two_factor):
    user = staff(Role.DISPATCHER)
    client = Client()
    client.force_login(user)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/setup/?next=")
    assert client.get("/admin/").status_code == 302
    wrong = client.post("/accounts/2fa/setup/", {"token": "000000"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    codes = _enrol(client, user)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert client.get(STAFF_HOME).status_code == 200  # this session proved the factor
    assert AuditEntry.objects.filter(
        action="security", object_id=str(user.pk), data__event="totp_enrolled"
    ).exists()


@pytest.mark.django_db
def test_a_new_session_asks_for_a_code_and_a_recovery_code_works_once(two_factor):
    user = staff(Role.LEADER)
    first = Client()
    first.force_login(user)
    codes = _enrol(first, user)
    second = Client()
    second.force_login(user)
    asked = second.get(STAFF_HOME)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/2fa/?next=")
    assert second.post("/accounts/2fa/", {"token": "12345"}).status_code == 400  # not a code's shape
    assert second.post("/accounts/2fa/", {"token": codes[0], "next": STAFF_HOME})["Location"] == STAFF_HOME
    assert second.get(STAFF_HOME).status_code == 200
    third = Client()
    third.force_login(user)
    assert third.post("/accounts/2fa/", {"token": codes[0]}).status_code == 400  # used up
    assert (
        third.post("/accounts/2fa/", {"token": _code(user, drift=1), "next": "https://evil.example/"})[
            "Location"
        ]
        == STAFF_HOME
    )
    assert AuditEntry.objects.filter(data__event="recovery_code_used", object_id=str(user.pk)).count() == 1
    assert AuditEntry.objects.filter(data__event="second_factor_failed", object_id=str(user.pk)).count() == 1


@pytest.mark.django_db
def test_guessing_codes_is_rate_limited(two_factor):
    from django.core.cache import cache

    cache.clear()
    user = staff(Role.SUPERVISOR)
    client = Client()
    client.force_login(user)
    _enrol(client, user)
    other = Client()
    other.force_login(user)
    # ten attempts an hour per user (the enrolment was one): nine wrong codes are answered, the next refused
    statuses = [other.post("/accounts/2fa/", {"token": f"{n:06d}"}).status_code for n in range(10)]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {400}


@pytest.mark.django_db
def test_roles_outside_the_rule_and_residents_are_not_asked(two_factor):
    handler = staff(Role.HANDLER)
    client = Client()
    client.force_login(handler)
    assert client.get(STAFF_HOME).status_code == 200


@pytest.mark.django_db
def test_the_api_refuses_an_unverified_session_but_takes_a_key(two_factor):
    from lianxin.org.services import api_token_create

    user = staff(Role.DISPATCHER)
    client = Client()
    client.force_login(user)
    refused = client.get("/api/v1/appeals")
    assert refused.status_code == 403
    assert refused.json()["error"] == "second_factor_required"
    _token, key = api_token_create(user=user, name="integration")
    keyed = Client().get("/api/v1/appeals", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert keyed.status_code == 200


@pytest.mark.django_db
def test_renewing_recovery_codes_retires_the_old_ones(two_factor):
    user = staff(Role.ADMIN)
    client = Client()
    client.force_login(user)
    old = _enrol(client, user)
    assert "10" in client.get("/accounts/2fa/recovery/").content.decode()
    new = re.findall(r"<code>([0-9a-z]{8})</code>", client.post("/accounts/2fa/recovery/").content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    again = Client()
    again.force_login(user)
    assert again.post("/accounts/2fa/", {"token": old[1]}).status_code == 400
    assert again.post("/accounts/2fa/", {"token": new[1]}).status_code == 302


@pytest.mark.django_db
def test_the_pages_speak_english_when_chosen(two_factor):
    user = staff(Role.DISPATCHER)
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert "Set up an authenticator" in page
    assert "绑定验证器" not in page
    client.cookies["django_language"] = "zh-hans"
    assert "绑定验证器" in client.get("/accounts/2fa/setup/").content.decode()
