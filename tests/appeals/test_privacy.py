from __future__ import annotations

import pytest

from lianxin.appeals.privacy import contact_for, mask_name, mask_phone, may_see_contact
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction

from .helpers import dispatched, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("02112345678", "021****5678"),
        ("87654321", "87****21"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""


def test_roles_that_need_contact_details(district, settings):
    appeal = dispatched(district, settings=settings)
    may = {
        who
        for who in (
            "operator",
            "dispatcher",
            "supervisor",
            "handler_city",
            "handler_env",
            "leader_b",
            "grid_worker_a",
            "admin",
            "other_resident",
        )
        if may_see_contact(getattr(district, who), appeal)
    }
    assert may == {"operator", "dispatcher", "supervisor", "handler_city"}


def test_handler_without_consent_sees_masked(district, settings):
    appeal = dispatched(district, settings=settings)
    appeal.contact_consent = False
    appeal.save()
    assert not may_see_contact(district.handler_city, appeal)


def test_unmasked_look_is_logged_and_masked_look_is_not(district, settings):
    appeal = dispatched(district, settings=settings)
    before = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).count()
    masked = contact_for(district.leader_b, appeal, reveal=True)
    assert masked.masked
    assert masked.phone == "138****1234"
    assert masked.name == "张*"
    shown = contact_for(district.handler_city, appeal)
    assert shown.masked
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).count() == before
    revealed = contact_for(district.handler_city, appeal, reveal=True, purpose="call back")
    assert not revealed.masked
    assert revealed.phone == "13812341234"
    entry = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).last()
    assert entry is not None
    assert entry.actor == district.handler_city
    assert entry.object_id == appeal.tracking_number
    assert entry.data["purpose"] == "call back"


def test_anonymous_appeal_never_reveals_its_sender(district, settings):
    appeal = submit(
        district,
        settings=settings,
        anonymous=True,
        contact_name="李四",
        contact_phone="13900000000",
        contact_consent=False,
    )
    assert appeal.contact_name == ""
    for who in ("operator", "dispatcher", "supervisor", "admin"):
        view = contact_for(getattr(district, who), appeal, reveal=True)
        assert view.anonymous
        assert view.phone == ""
        assert view.name == "匿名"
