"""Parties' names, phones and ID numbers are encrypted at rest; the repeat-party check still finds a
party of another case through the keyed hashes, by phone or by ID number."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from lianxin.appeals.actors import Actor
from lianxin.core.crypto import id_number_lookup_hash, phone_lookup_hash
from lianxin.mediation.intake import CaseInput, PartyInput, case_request
from lianxin.mediation.models import Party, PartyRole, RiskReason

pytestmark = pytest.mark.django_db
migration = importlib.import_module("lianxin.mediation.migrations.0002_parties_encrypted_at_rest")
ID_NUMBER = "11010519491231002X"


def _input(district, *, applicant_phone: str = "13811112222", id_number: str = "") -> CaseInput:
    return CaseInput(
        title="楼上漏水纠纷",
        description="楼上卫生间漏水到楼下，双方对维修费用有争议。",
        dispute_type="neighbour",
        area_code=district.community_a.code,
        place="幸福小区3栋",
        parties=[
            PartyInput(role=PartyRole.APPLICANT, name="李建国", phone=applicant_phone, id_number=id_number),
            PartyInput(role=PartyRole.RESPONDENT, name="王秀英", phone="13933334444"),
        ],
    )


def _raw(pk: int) -> tuple[str, str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, id_number, phone_hash, id_hash FROM mediation_party WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_the_database_holds_no_plaintext_party_details(district):
    case = case_request(actor=Actor.resident(district.resident), data=_input(district, id_number=ID_NUMBER))
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    name, phone, id_number, phone_digest, id_digest = _raw(applicant.pk)
    assert "李建国" not in name
    assert "13811112222" not in phone
    assert ID_NUMBER not in id_number
    assert phone_digest == phone_lookup_hash("13811112222")
    assert id_digest == id_number_lookup_hash(ID_NUMBER)
    again = Party.objects.get(pk=applicant.pk)
    assert (again.name, again.phone, again.id_number) == ("李建国", "13811112222", ID_NUMBER)


def test_a_repeat_party_is_found_by_phone_and_by_id_number(district):
    case_request(actor=Actor.resident(district.resident), data=_input(district, id_number=ID_NUMBER))
    by_phone = case_request(actor=Actor.resident(district.resident), data=_input(district))
    assert RiskReason.REPEAT_PARTIES in by_phone.risk_reasons
    # another phone for the applicant and another respondent phone: only the ID number links them
    other = _input(district, applicant_phone="13700009999", id_number=ID_NUMBER.lower())
    other.parties[1] = PartyInput(role=PartyRole.RESPONDENT, name="赵六", phone="13600008888")
    by_id = case_request(actor=Actor.resident(district.resident), data=other)
    assert RiskReason.REPEAT_PARTIES in by_id.risk_reasons
    stranger = _input(district, applicant_phone="13500007777")
    stranger.parties[1] = PartyInput(role=PartyRole.RESPONDENT, name="孙七", phone="13400006666")
    assert (
        RiskReason.REPEAT_PARTIES
        not in case_request(actor=Actor.resident(district.resident), data=stranger).risk_reasons
    )


def test_a_saved_party_keeps_its_hashes_current(district):
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    party = case.parties.get(role=PartyRole.RESPONDENT)
    party.phone = "13622223333"
    party.save(update_fields=["phone"])
    assert _raw(party.pk)[3] == phone_lookup_hash("13622223333")


def test_the_migration_encrypts_what_was_stored_in_clear(district):
    case = case_request(actor=Actor.resident(district.resident), data=_input(district))
    party = case.parties.get(role=PartyRole.APPLICANT)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mediation_party SET name = %s, phone = %s, id_number = %s, phone_hash = '', "
            "id_hash = '' WHERE id = %s",
            ["李四", "13700001111", ID_NUMBER, party.pk],
        )
    migration.forwards(None, SimpleNamespace(connection=connection))
    name, phone, id_number, phone_digest, id_digest = _raw(party.pk)
    assert "李四" not in name
    assert "13700001111" not in phone
    assert ID_NUMBER not in id_number
    assert phone_digest == phone_lookup_hash("13700001111")
    assert id_digest == id_number_lookup_hash(ID_NUMBER)
    assert Party.objects.get(pk=party.pk).phone == "13700001111"
    migration.backwards(None, SimpleNamespace(connection=connection))
    assert _raw(party.pk)[:3] == ("李四", "13700001111", ID_NUMBER)
