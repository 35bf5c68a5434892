"""Residents' names and phones on appeals are encrypted at rest; exact lookups still work."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from lianxin.appeals.models import Appeal
from lianxin.appeals.selectors import recent_appeals_from_phone
from lianxin.core.crypto import phone_lookup_hash

from .helpers import submit

pytestmark = pytest.mark.django_db
migration = importlib.import_module("lianxin.appeals.migrations.0009_contact_encrypted_at_rest")


def _raw(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_name, contact_phone, contact_phone_hash FROM appeals_appeal WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_the_database_holds_no_plaintext_name_or_phone(district, settings):
    appeal = submit(district, settings=settings)
    name, phone, digest = _raw(appeal.pk)
    assert "张三" not in name
    assert "13812341234" not in phone
    assert "1234" not in phone
    assert name.startswith("gAAAA")
    assert phone.startswith("gAAAA")
    assert digest == phone_lookup_hash("13812341234")
    assert "13812341234" not in digest
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.contact_name, fresh.contact_phone) == ("张三", "13812341234")


def test_the_address_detail_is_encrypted_too(district, settings):
    address_migration = importlib.import_module("lianxin.appeals.migrations.0011_address_encrypted_at_rest")
    appeal = submit(district, settings=settings, address="幸福小区3栋2单元501")
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM appeals_appeal WHERE id = %s", [appeal.pk])
        stored = cursor.fetchone()[0]
        # a Fernet token is base64: the Chinese text cannot appear in it (digits such as 501 can, by chance)
        assert "幸福小区" not in stored
        assert "3栋2单元" not in stored
        assert stored.startswith("gAAAA")
        cursor.execute("UPDATE appeals_appeal SET address = %s WHERE id = %s", ["和平路8号", appeal.pk])
    address_migration.forwards(None, SimpleNamespace(connection=connection))
    assert Appeal.objects.get(pk=appeal.pk).address == "和平路8号"


def test_exact_lookups_go_through_the_keyed_hash(district, settings):
    appeal = submit(district, settings=settings)
    submit(district, settings=settings, contact_phone="13900009999")
    assert list(recent_appeals_from_phone("138 1234 1234")) == [appeal]
    assert not recent_appeals_from_phone("1381234123").exists()
    assert not Appeal.objects.filter(contact_phone="13812341234").exists()  # the column cannot be matched


def test_the_migration_encrypts_what_was_stored_in_clear(district, settings):
    appeal = submit(district, settings=settings)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appeals_appeal SET contact_name = %s, contact_phone = %s, contact_phone_hash = '' "
            "WHERE id = %s",
            ["李四", "13700001111", appeal.pk],
        )
    migration.forwards(None, SimpleNamespace(connection=connection))
    name, phone, digest = _raw(appeal.pk)
    assert "李四" not in name
    assert "13700001111" not in phone
    assert digest == phone_lookup_hash("13700001111")
    assert Appeal.objects.get(pk=appeal.pk).contact_phone == "13700001111"
    migration.backwards(None, SimpleNamespace(connection=connection))
    assert _raw(appeal.pk)[:2] == ("李四", "13700001111")
