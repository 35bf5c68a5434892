"""Retention: what is past its period is erased or anonymised; the rest, and every figure, stays."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxin.appeals.models import Appeal, AppealEvent, Status
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify
from lianxin.core.retention import retention_run
from lianxin.notifications.models import Notification
from tests.factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
YEARS_AGO = NOW - dt.timedelta(days=4 * 365)


def _finished(**kw) -> Appeal:
    appeal = AppealFactory(
        status=Status.CLOSED,
        closed_at=YEARS_AGO,
        submitted_at=YEARS_AGO - dt.timedelta(days=9),
        text="路灯坏了，请打 138 1234 5678 或 021-62345678 找我。",
        **kw,
    )
    AppealEvent.objects.create(
        appeal=appeal,
        type="replied",
        actor_label="城管局",
        note="已电话联系 13812341234，修好了。",
        at=YEARS_AGO,
    )
    return appeal


def test_contact_details_of_old_finished_appeals_are_erased_and_the_case_kept():
    resident = UserFactory()
    old = _finished(resident=resident)
    recent = AppealFactory(status=Status.CLOSED, closed_at=NOW - dt.timedelta(days=30))
    still_open = AppealFactory(status=Status.ACCEPTED, submitted_at=YEARS_AGO)
    before = AuditEntry.objects.count()

    dry = {r.key: r.affected for r in retention_run(dry_run=True)}
    assert dry["appeal_contact"] == 1
    assert Appeal.objects.get(pk=old.pk).contact_phone == "13812341234"  # a dry run changes nothing

    results = {r.key: r.affected for r in retention_run()}
    assert results["appeal_contact"] == 1
    old.refresh_from_db()
    assert (old.contact_name, old.contact_phone, old.resident_id, old.contact_consent) == (
        "",
        "",
        None,
        False,
    )
    assert "5678" not in old.text
    assert "62345678" not in old.text
    assert "[电话已删除]" in old.text
    assert "13812341234" not in AppealEvent.objects.get(appeal=old).note
    assert old.status == Status.CLOSED
    assert old.closed_at == YEARS_AGO
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert recent.contact_phone == "13812341234"
    assert still_open.contact_phone == "13812341234"
    entry = AuditEntry.objects.filter(action="personal_data_erased").get()
    assert entry.data["count"] == 1
    assert AuditEntry.objects.count() == before + 1
    assert audit_verify().ok
    assert {r.key: r.affected for r in retention_run()}["appeal_contact"] == 0  # idempotent


def test_periods_are_set_per_kind(settings):
    AppealFactory(status=Status.CLOSED, closed_at=NOW - dt.timedelta(days=40))
    settings.LIANXIN = {**settings.LIANXIN, "RETENTION_DAYS": {"appeal_contact": 30}}
    assert {r.key: r.affected for r in retention_run(dry_run=True)}["appeal_contact"] == 1


def test_old_notifications_go_and_the_command_reports_each_kind():
    user = UserFactory()
    old = Notification.objects.create(user=user, title="旧通知")
    Notification.objects.filter(pk=old.pk).update(created_at=NOW - dt.timedelta(days=400))
    Notification.objects.create(user=user, title="新通知")
    out = io.StringIO()
    call_command("retention", stdout=out)
    text = out.getvalue()
    assert {"appeal_contact", "notifications", "login_records", "sessions"} <= {
        line.split()[0] for line in text.splitlines()
    }
    assert list(Notification.objects.values_list("title", flat=True)) == ["新通知"]


def test_bad_retention_setting_stops_start_up():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "LIANXIN_RETENTION_DAYS": "appeal_contact=three-years",
        "DJANGO_SETTINGS_MODULE": "lianxin.settings.base",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode != 0
    assert "is not kind=days" in out.stderr
