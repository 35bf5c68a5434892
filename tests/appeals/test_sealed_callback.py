"""A sealed call-back contact: an anonymous resident's number that the
call-back can use and nobody can see."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from lianxin.appeals.models import Appeal, Status
from lianxin.appeals.selectors import recent_appeals_from_phone
from lianxin.audit.models import AuditEntry
from lianxin.core.dialer import LoggingDialer
from lianxin.org.services import api_token_create
from lianxin.supervision.models import FollowUp, FollowUpReason

pytestmark = pytest.mark.django_db
SEALED = "13566667777"


def _submit(district, **extra):
    _t, key = api_token_create(user=district.operator, name="t")
    body = {"text": "举报小区物业私自收取停车费，请为我保密。", "area": "G1", "anonymous": True, **extra}
    return Client().post(
        "/api/v1/appeals",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_the_number_is_sealed_and_the_call_back_uses_it(district, caplog):
    caplog.set_level(logging.DEBUG)
    response = _submit(district, callback_phone="135-6666-7777")
    assert response.status_code == 201
    assert SEALED not in response.content.decode()
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    assert appeal.contact_phone == ""
    assert appeal.contact_phone_hash == ""
    assert appeal.callback_sealed == SEALED
    with connection.cursor() as cursor:
        cursor.execute("SELECT callback_sealed FROM appeals_appeal WHERE id = %s", [appeal.pk])
        assert "7777" not in cursor.fetchone()[0]
    assert not recent_appeals_from_phone(SEALED).exists()  # not searchable

    for user in (district.operator, district.dispatcher, district.supervisor):
        client = Client()
        client.force_login(user)
        assert "7777" not in client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
        found = client.get(
            "/staff/queue/to_dispatch/", {"q": SEALED}
        ).content.decode()  # the box echoes the query
        assert appeal.tracking_number not in found

    Appeal.objects.filter(pk=appeal.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    follow_up = FollowUp.objects.create(
        appeal=appeal, reason=FollowUpReason.SAMPLED, sampled_at=timezone.now()
    )
    supervisor = Client()
    supervisor.force_login(district.supervisor)
    page = supervisor.get(f"/supervision/follow-ups/{follow_up.pk}/").content.decode()
    assert "系统代拨回访" in page
    assert "7777" not in page
    LoggingDialer.outbox.clear()
    done = supervisor.post(f"/supervision/follow-ups/{follow_up.pk}/", {"dial_sealed": "1"}, follow=True)
    assert done.status_code == 200
    assert "7777" not in done.content.decode()
    assert [call.number for call in LoggingDialer.outbox] == [SEALED]
    assert AuditEntry.objects.filter(data__purpose="follow_up_sealed_call", object_id=str(appeal.pk)).exists()
    assert not any("7777" in record.getMessage() for record in caplog.records)


def test_a_bad_sealed_number_is_refused_and_named_appeals_ignore_the_field(district):
    refused = _submit(district, callback_phone="1356666")
    assert refused.status_code == 400
    assert refused.json()["field"] == "callback_phone"
    named = _submit(
        district,
        anonymous=False,
        contact_name="王",
        contact_phone="13812340000",
        contact_consent=True,
        callback_phone=SEALED,
    )
    appeal = Appeal.objects.get(tracking_number=named.json()["tracking_number"])
    assert appeal.callback_sealed == ""
    assert appeal.contact_phone == "13812340000"


def test_without_a_sealed_number_there_is_no_call_to_place(district):
    response = _submit(district)
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    Appeal.objects.filter(pk=appeal.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    follow_up = FollowUp.objects.create(
        appeal=appeal, reason=FollowUpReason.SAMPLED, sampled_at=timezone.now()
    )
    supervisor = Client()
    supervisor.force_login(district.supervisor)
    assert "系统代拨回访" not in supervisor.get(f"/supervision/follow-ups/{follow_up.pk}/").content.decode()
