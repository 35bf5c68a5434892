from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from lianxin.audit.models import AuditEntry
from lianxin.audit.services import GENESIS_HASH, audit_append, audit_verify

pytestmark = pytest.mark.django_db


def make_chain(n: int = 5) -> list[AuditEntry]:
    return [
        audit_append(action="state_change", object_type="appeal", object_id=f"LX{i}", data={"i": i})
        for i in range(n)
    ]


def test_entries_are_chained():
    entries = make_chain(3)
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert [e.seq for e in entries] == [1, 2, 3]
    assert audit_verify().ok


def test_altered_content_is_detected_and_named():
    make_chain(5)
    AuditEntry.objects.filter(seq=3).update(data={"i": 99})
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.checked == 2


def test_deleted_entry_is_detected():
    make_chain(5)
    AuditEntry.objects.filter(seq=2).delete()
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 2


def test_rehashed_entry_breaks_the_next_link():
    entries = make_chain(4)
    AuditEntry.objects.filter(seq=2).update(hash="f" * 64)
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 2
    assert entries


def test_verify_command(capsys):
    make_chain(3)
    call_command("audit", "verify")
    assert "3 entries verified" in capsys.readouterr().out
    AuditEntry.objects.filter(seq=1).update(actor_label="someone else")
    with pytest.raises(CommandError, match="#1"):
        call_command("audit", "verify")
