"""Rewriting the audit chain is detected: keyed hashes, signed anchors outside the table, actor snapshots."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from lianxin.audit.models import AuditEntry
from lianxin.audit.services import GENESIS_HASH, AuditAction, audit_append, audit_verify, entry_digest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    path = tmp_path / "anchor.log"
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_ANCHOR_PATH": str(path), "AUDIT_KEY": "test-key-secret"}
    return path


@pytest.fixture
def chain(django_capture_on_commit_callbacks):
    def make(n: int, **kwargs):
        entries = []
        for i in range(n):  # one transaction per entry, as in production
            with django_capture_on_commit_callbacks(execute=True):
                entries.append(
                    audit_append(
                        action="state_change",
                        object_type="appeal",
                        object_id=f"LX{i}",
                        data={"i": i},
                        **kwargs,
                    )
                )
        return entries

    return make


def unkeyed_rechain() -> None:
    """What an attacker with database access but without the key does: renumber and recompute."""
    prev = GENESIS_HASH
    for seq, entry in enumerate(AuditEntry.objects.order_by("seq"), start=1):
        digest = hashlib.sha256(
            (
                prev
                + json.dumps(
                    {
                        "seq": seq,
                        "at": entry.at.isoformat(timespec="microseconds"),
                        "actor_id": entry.actor_ref,
                        "actor_label": entry.actor_label,
                        "action": entry.action,
                        "object_type": entry.object_type,
                        "object_id": entry.object_id,
                        "data": entry.data,
                    },
                    sort_keys=True,
                    ensure_ascii=False,
                    separators=(",", ":"),
                    default=str,
                )
            ).encode()
        ).hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(seq=seq, prev_hash=prev, hash=digest, scheme=1)
        prev = digest


def test_intact_chain_verifies_against_the_anchor(chain, anchor_file):
    chain(3)
    assert len(anchor_file.read_text().splitlines()) == 3
    assert audit_verify().ok


def test_several_entries_in_one_transaction_write_one_anchor(django_capture_on_commit_callbacks, anchor_file):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            audit_append(action="state_change", object_type="appeal", object_id=i)
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["count"] == 4


def test_anchor_is_logged(chain, caplog):
    with caplog.at_level(logging.INFO, logger="lianxin.audit.anchor"):
        chain(1)
    assert any(r.name == "lianxin.audit.anchor" for r in caplog.records)


@pytest.mark.parametrize("removed", [1, 10])
def test_deleting_the_newest_entries_is_detected(chain, removed):
    chain(12)
    AuditEntry.objects.filter(seq__gt=12 - removed).delete()
    report = audit_verify()
    assert not report.ok
    assert "anchor" in report.reason
    with pytest.raises(CommandError, match="anchor"):
        call_command("audit", "verify")


def test_deleting_a_middle_entry_and_rechaining_without_the_key_is_detected(chain):
    chain(6)
    AuditEntry.objects.filter(seq=3).delete()
    unkeyed_rechain()
    assert not audit_verify().ok


def test_editing_and_recomputing_without_the_key_is_detected(chain):
    chain(5)
    AuditEntry.objects.filter(seq=5).update(data={"i": 99})
    unkeyed_rechain()
    report = audit_verify()
    assert not report.ok


def test_recomputing_with_a_guessed_key_is_detected(chain, settings):
    chain(4)
    AuditEntry.objects.filter(seq=4).update(data={"i": 99})
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_KEY": "attacker-guess"}
    prev = GENESIS_HASH
    for e in AuditEntry.objects.order_by("seq"):
        digest = entry_digest(
            prev_hash=prev,
            seq=e.seq,
            at=e.at,
            actor_id=e.actor_ref,
            actor_label=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            data=e.data,
            scheme=2,
        )
        AuditEntry.objects.filter(pk=e.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_KEY": "test-key-secret"}
    assert not audit_verify().ok


def test_legacy_unkeyed_entries_still_verify(chain):
    unkeyed = [audit_append(action="state_change", object_type="appeal", object_id=i) for i in range(3)]
    unkeyed_rechain()  # the pre-upgrade formula, as stored by an existing installation
    assert unkeyed
    assert audit_verify().ok
    chain(2)
    assert audit_verify().ok


def test_deleting_a_user_does_not_break_verification(chain):
    user = UserFactory()
    chain(2, actor=user)
    user.delete()
    assert AuditEntry.objects.filter(actor__isnull=True).count() == 2
    assert audit_verify().ok


def test_admin_change_writes_config_change(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/auth/group/add/", {"name": "调度员"})
    assert response.status_code == 302
    group = Group.objects.get(name="调度员")
    entry = AuditEntry.objects.get(action=AuditAction.CONFIG_CHANGE)
    assert entry.object_type == "auth.group"
    assert entry.object_id == str(group.pk)
    assert entry.actor_ref == admin.pk
    assert entry.data["operation"] == "add"


def test_admin_log_entry_of_any_model_is_audited():
    admin = UserFactory(is_staff=True, is_superuser=True)
    LogEntry.objects.log_actions(
        admin.pk, [Group.objects.create(name="g")], CHANGE, change_message="x", single_object=True
    )
    assert AuditEntry.objects.filter(
        action=AuditAction.CONFIG_CHANGE,
        object_type=ContentType.objects.get_for_model(Group).app_label + ".group",
    )


def test_key_rotation_keeps_old_entries_verifiable(chain, settings):
    chain(2)
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_KEY": "new-key", "AUDIT_OLD_KEYS": ["test-key-secret"]}
    chain(2)
    assert audit_verify().ok
    settings.LIANXIN = {**settings.LIANXIN, "AUDIT_OLD_KEYS": []}
    assert not audit_verify().ok


def test_a_forged_anchor_line_is_detected(chain, anchor_file):
    chain(2)
    with anchor_file.open("a") as fh:
        fh.write(json.dumps({"count": 1, "head": "0" * 64, "at": "", "sig": "f" * 64}) + "\n")
    report = audit_verify()
    assert not report.ok
    assert "signature" in report.reason


def test_deleting_a_user_through_the_admin_is_audited_and_verify_holds(
    client, chain, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    victim = UserFactory()
    chain(2, actor=victim)
    client.force_login(admin)
    meta = victim._meta
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/{meta.app_label}/{meta.model_name}/{victim.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert not type(victim).objects.filter(pk=victim.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.CONFIG_CHANGE)
    assert entry.data["operation"] == "delete"
    assert entry.object_id == str(victim.pk)
    assert audit_verify().ok
