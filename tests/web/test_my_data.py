"""A resident downloads their own data and can have it erased once nothing of theirs is being handled."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lianxin.appeals.models import Appeal, Status
from lianxin.audit.models import AuditEntry
from tests.factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return UserFactory(username="wangfang", phone="13900001111", display_name="王芳")


def test_a_resident_downloads_exactly_their_own_data(resident):
    mine = AppealFactory(resident=resident, contact_phone="13900001111", status=Status.CLOSED)
    AppealFactory(resident=UserFactory(), contact_phone="13700002222")
    client = Client()
    client.force_login(resident)
    response = client.get("/mine/data.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["phone"] == "13900001111"
    assert [a["tracking_number"] for a in data["appeals"]] == [mine.tracking_number]
    assert "13700002222" not in response.content.decode()
    assert AuditEntry.objects.filter(action="personal_data_view", data__purpose="own_data_download").exists()
    assert Client().get("/mine/data.json").status_code == 302  # signed out: to the login


def test_erasure_waits_for_appeals_in_progress(resident):
    open_one = AppealFactory(resident=resident, status=Status.ACCEPTED)
    client = Client()
    client.force_login(resident)
    refused = client.post("/mine/erase/", {"confirm": "yes"})
    assert refused.status_code == 409
    assert open_one.tracking_number in refused.content.decode()
    resident.refresh_from_db()
    assert resident.is_active
    assert resident.phone == "13900001111"
    assert client.post("/mine/erase/", {}).status_code == 409  # not confirmed


def test_erasure_anonymises_the_account_and_the_appeals(resident):
    done = AppealFactory(
        resident=resident,
        status=Status.CLOSED,
        contact_phone="13900001111",
        text="我家门口路灯坏了，电话 13900001111。",
    )
    client = Client()
    client.force_login(resident)
    response = client.post("/mine/erase/", {"confirm": "yes"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert not resident.is_active
    assert resident.username == f"erased-{resident.pk}"
    assert resident.phone == ""
    assert not resident.has_usable_password()
    done.refresh_from_db()
    assert done.resident_id is None
    assert done.contact_phone == ""
    assert "13900001111" not in done.text
    assert Appeal.objects.filter(pk=done.pk, status=Status.CLOSED).exists()
    assert AuditEntry.objects.filter(action="personal_data_erased", object_type="user").exists()
    assert "_auth_user_id" not in client.session
