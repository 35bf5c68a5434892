"""Appending to the audit chain and verifying it."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .anchor import (
    Anchor,
    AnchorTamperedError,
    anchor_pending,
    audit_key,
    audit_keys,
    latest_anchor,
    schedule_anchor,
)
from .models import AuditEntry

GENESIS_HASH = "0" * 64
LEGACY_SCHEME = 1  # plain SHA-256, before the keyed chain
KEYED_SCHEME = 2  # HMAC-SHA256 with LIANXIN["AUDIT_KEY"]
_ADVISORY_LOCK_KEY = 7_340_221  # serialises appends on PostgreSQL


class AuditAction:
    STATE_CHANGE = "state_change"
    PERSONAL_DATA_VIEW = "personal_data_view"
    CONFIG_CHANGE = "config_change"
    SECURITY = "security"  # lockouts, second-factor enrolment and failures, recovery codes used
    PERSONAL_DATA_ERASED = "personal_data_erased"  # retention, or a resident's own erasure request


def entry_digest(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    scheme: int = LEGACY_SCHEME,
    key: bytes | None = None,
) -> str:
    payload = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    message = (prev_hash + payload).encode("utf-8")
    if scheme == KEYED_SCHEME:
        return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def audit_append(
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    actor: Any = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction."""
    data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    if not actor_label and actor_id is not None:
        actor_label = str(actor.username)
    # No savepoint of its own (a failed append fails the caller's transaction anyway), and the
    # chain's lock taken once per transaction: it is held until commit, so later appends of the
    # same transaction (an intake writes three) need not ask again.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql" and not anchor_pending():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
        seq = (last["seq"] + 1) if last else 1
        prev_hash = last["hash"] if last else GENESIS_HASH
        at = timezone.now()
        digest = entry_digest(
            prev_hash=prev_hash,
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data,
            scheme=KEYED_SCHEME,
        )
        entry = AuditEntry.objects.create(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_ref=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data,
            prev_hash=prev_hash,
            hash=digest,
            scheme=KEYED_SCHEME,
        )
        schedule_anchor()
        return entry


@dataclass(frozen=True)
class AuditRecord:
    """One entry to append with `audit_append_many` (the arguments of `audit_append`)."""

    action: str
    object_type: str
    object_id: str | int
    actor: Any = None
    actor_label: str = ""
    data: dict[str, Any] | None = None


def audit_append_many(records: list[AuditRecord]) -> list[AuditEntry]:
    """Append many entries in order, inside the caller's transaction: the chain's lock and its head
    read once, the entries chained in memory and written with one INSERT (a bulk intake's events).
    Each entry is exactly what `audit_append` would have written, so `audit_verify` checks them alike."""
    if not records:
        return []
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql" and not anchor_pending():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
        seq = last["seq"] if last else 0
        prev_hash = last["hash"] if last else GENESIS_HASH
        at = timezone.now()
        key = audit_key()
        entries = []
        for record in records:
            data = json.loads(json.dumps(record.data or {}, ensure_ascii=False, default=str))
            actor = record.actor
            actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
            actor_label = record.actor_label or (str(actor.username) if actor_id is not None else "")
            seq += 1
            digest = entry_digest(
                prev_hash=prev_hash,
                seq=seq,
                at=at,
                actor_id=actor_id,
                actor_label=actor_label,
                action=record.action,
                object_type=record.object_type,
                object_id=str(record.object_id),
                data=data,
                scheme=KEYED_SCHEME,
                key=key,
            )
            entries.append(
                AuditEntry(
                    seq=seq,
                    at=at,
                    actor_id=actor_id,
                    actor_ref=actor_id,
                    actor_label=actor_label,
                    action=record.action,
                    object_type=record.object_type,
                    object_id=str(record.object_id),
                    data=data,
                    prev_hash=prev_hash,
                    hash=digest,
                    scheme=KEYED_SCHEME,
                )
            )
            prev_hash = digest
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        schedule_anchor()
        return entries


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def audit_verify(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order and name the first entry that was altered, removed or inserted."""
    # The checkpoint is read first: one written while we walk could name entries committed after we started.
    try:
        anchor = latest_anchor()
    except AnchorTamperedError as exc:
        return ChainReport(False, 0, None, f"the anchor file was tampered with: {exc}")
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    seen_keyed = False
    keys = audit_keys()
    key_index = 0  # entries use the retired keys in order, then the current one; never back
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, checked, entry.seq, "its link to the previous entry does not match")
        if entry.scheme == KEYED_SCHEME:
            seen_keyed = True
        elif entry.scheme != LEGACY_SCHEME or seen_keyed:
            # An unkeyed entry after a keyed one is a downgrade: someone recomputed without the key.
            return ChainReport(
                False, checked, entry.seq, "it uses the unkeyed hash after keyed entries (rewritten)"
            )
        fields: dict[str, Any] = {
            "prev_hash": entry.prev_hash,
            "seq": entry.seq,
            "at": entry.at,
            "actor_id": entry.actor_ref,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "data": entry.data,
        }
        matched = False
        if entry.scheme == KEYED_SCHEME:
            for index in range(key_index, len(keys)):
                if entry_digest(**fields, scheme=KEYED_SCHEME, key=keys[index]) == entry.hash:
                    key_index, matched = index, True
                    break
        else:
            matched = entry_digest(**fields) == entry.hash
        if not matched:
            return ChainReport(False, checked, entry.seq, "its content does not match its hash (altered)")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    return _check_anchor(checked, anchor)


def _check_anchor(checked: int, anchor: Anchor | None) -> ChainReport:
    """Compare the verified chain with the newest signed checkpoint kept outside the database."""
    if anchor is None:
        return ChainReport(True, checked)
    if checked < anchor.count:
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"the chain ends at #{checked} but the signed anchor records {anchor.count} entries "
            f"(entries were deleted, truncated or renumbered)",
        )
    entry_hash = AuditEntry.objects.filter(seq=anchor.count).values_list("hash", flat=True).first()
    if entry_hash != anchor.head:
        return ChainReport(
            False,
            checked,
            anchor.count,
            f"entry #{anchor.count} does not match the signed anchor's head hash (the chain was recomputed)",
        )
    return ChainReport(True, checked)
