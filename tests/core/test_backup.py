"""`lianxin backup` / `lianxin restore`: a round trip gives back the
data, the files and a verified audit chain."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit
from lianxin.appeals.models import Appeal, Attachment
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction, audit_append, audit_verify
from tests.api.conftest import PNG_BYTES
from tests.factories import District


def _submit(district: District, text: str) -> Appeal:
    return appeal_submit(
        data=AppealInput(
            title="路灯",
            text=text,
            area_code=district.community_a.code,
            anonymous=True,
            attachments=[AttachmentInput(name="photo.png", content=PNG_BYTES)],
        ),
        actor=Actor.resident(None),
    ).appeal


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_rows_files_and_a_verified_chain(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    district = District()
    kept = _submit(district, "幸福社区三号楼前的路灯坏了一周，晚上很黑")
    audit_append(
        action=AuditAction.PERSONAL_DATA_VIEW,
        object_type="appeal",
        object_id=kept.pk,
        actor_label="test",
        data={"purpose": "backup test"},
    )
    entries = AuditEntry.objects.count()
    assert entries >= 1
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"media.tar.gz"} <= set(manifest["files"])
    assert manifest["migrations"]["appeals"]

    # after the backup: one more appeal, the first one's file deleted, rows gone
    _submit(district, "和平社区垃圾无人清运，已经三天了")
    attachment = Attachment.objects.get(appeal=kept)
    Path(attachment.file.path).unlink()
    Appeal.objects.filter(pk=kept.pk).update(title="被改动")
    audit_append(action=AuditAction.CONFIG_CHANGE, object_type="unit", object_id=1, actor_label="test")

    done = io.StringIO()
    call_command("restore", str(folder), "--yes", stdout=done)
    assert "intact" in done.getvalue()  # `audit verify` ran and passed
    assert list(Appeal.objects.values_list("pk", "title")) == [(kept.pk, "路灯")]
    assert Path(Attachment.objects.get(appeal=kept).file.path).read_bytes() == PNG_BYTES
    assert AuditEntry.objects.count() == entries
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    district = District()
    _submit(district, "幸福社区三号楼前的路灯坏了一周，晚上很黑")
    out = io.StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out)
    folder = Path(out.getvalue().strip().splitlines()[-1])
    with (folder / "media.tar.gz").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(CommandError, match=r"damaged: media\.tar\.gz"):
        call_command("restore", str(folder), "--yes")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(folder))
    with pytest.raises(CommandError, match="not a Lianxin backup"):
        call_command("restore", str(tmp_path), "--yes")
    assert Appeal.objects.count() == 1
