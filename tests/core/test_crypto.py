"""Personal data at rest: no plaintext in the row, keyed lookups, key rotation, production refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from lianxin.core import crypto
from lianxin.outreach.models import Household, Member

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _keys(settings, *keys: str, lookup: str = "") -> None:
    settings.LIANXIN = {**settings.LIANXIN, "DATA_KEYS": list(keys), "LOOKUP_KEY": lookup}


def _raw(member: Member) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, id_number FROM outreach_member WHERE id = %s", [member.pk])
        return cursor.fetchone()


def _member(grid, **fields) -> Member:
    household = Household.objects.create(
        grid=grid, building="3", room="201", registered_on=dt.date(2026, 1, 5)
    )
    return Member.objects.create(household=household, **fields)


@pytest.mark.django_db
def test_the_row_holds_no_plaintext_and_reads_back(district, settings):
    _keys(settings, KEY_A)
    member = _member(district.grid_a, name="王秀英", phone="13812345678", id_number="11010519491231002X")
    name, phone, id_number = _raw(member)
    for stored, plain in ((name, "王秀英"), (phone, "13812345678"), (id_number, "11010519491231002X")):
        assert plain not in stored
        assert "5678" not in stored
        assert "秀" not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token
    again = Member.objects.get(pk=member.pk)
    assert (again.name, again.phone, again.id_number) == ("王秀英", "13812345678", "11010519491231002X")


@pytest.mark.django_db
def test_the_same_value_encrypts_differently_each_time(district, settings):
    _keys(settings, KEY_A)
    first = _member(district.grid_a, name="李四")
    second = Member.objects.create(household=first.household, name="李四")
    assert _raw(first)[0] != _raw(second)[0]
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


@pytest.mark.django_db
def test_rotation_new_key_first_old_still_decrypts_then_reencrypt_and_drop(district, settings):
    _keys(settings, KEY_A)
    member = _member(district.grid_a, name="赵六", phone="13900001234")
    token_a = _raw(member)[0]
    _keys(settings, KEY_B, KEY_A)  # new key first: it encrypts, the old one still decrypts
    assert Member.objects.get(pk=member.pk).name == "赵六"
    assert crypto.reencrypt_rows(Member.objects.all(), ["name", "phone", "id_number"]) == 1
    token_b = _raw(member)[0]
    assert token_b != token_a
    _keys(settings, KEY_B)  # old key dropped
    assert Member.objects.get(pk=member.pk).phone == "13900001234"
    _keys(settings, KEY_A)  # a database encrypted under B is unreadable with A alone
    with pytest.raises(crypto.DecryptionFailedError):
        Member.objects.get(pk=member.pk)


def test_a_bad_key_is_a_clear_configuration_error(settings):
    _keys(settings, "not-a-fernet-key")
    with pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")


def test_production_without_keys_refuses(settings):
    _keys(settings)
    settings.LIANXIN_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="LIANXIN_DATA_KEYS"):
        crypto.encrypt("x")
    with pytest.raises(ImproperlyConfigured, match="LIANXIN_LOOKUP_KEY"):
        crypto.phone_lookup_hash("13812345678")


def test_development_default_without_keys(settings):
    _keys(settings)
    settings.LIANXIN_PRODUCTION = False
    assert crypto.decrypt(crypto.encrypt("张三")) == "张三"


def test_production_settings_module_refuses_to_start_without_keys(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("LIANXIN_SECRET_KEY", "s")
    monkeypatch.setenv("LIANXIN_AUDIT_KEY", "a")
    monkeypatch.delenv("LIANXIN_DATA_KEYS", raising=False)
    monkeypatch.delenv("LIANXIN_LOOKUP_KEY", raising=False)
    sys.modules.pop("lianxin.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="LIANXIN_DATA_KEYS"):
        importlib.import_module("lianxin.settings.production")
    sys.modules.pop("lianxin.settings.production", None)


def test_phone_normalisation_and_keyed_hash(settings):
    _keys(settings, KEY_A, lookup="k1")
    same = {
        crypto.phone_lookup_hash(p)
        for p in ("13812345678", "138-1234-5678", "+86 138 1234 5678", "0086 13812345678")
    }
    assert len(same) == 1
    assert crypto.phone_lookup_hash("13812345679") not in same
    assert crypto.phone_lookup_hash("") == ""
    digest = same.pop()
    _keys(settings, KEY_A, lookup="k2")  # without the key the digest cannot be recomputed
    assert crypto.phone_lookup_hash("13812345678") != digest
    assert crypto.id_number_lookup_hash("11010519491231002x") == crypto.id_number_lookup_hash(
        "11010519491231002X"
    )
    assert crypto.id_number_lookup_hash("x") != crypto.phone_lookup_hash("x")
    assert crypto.is_valid_id_number("11010519491231002X")
    assert not crypto.is_valid_id_number("1234")
