"""Writing generated chunks: ids assigned up front, COPY on PostgreSQL, bulk_create elsewhere.

Audit entries are appended in the same pass, chained with `lianxin.audit.services.entry_digest`
exactly as `audit_append` chains them, so `audit_verify()` holds after seeding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max

from lianxin.appeals.events import ExtensionApproved, ExtensionRefused, ExtensionRequested
from lianxin.appeals.models import Appeal, AppealEvent, CoHandler, ExtensionRequest, TrackingCounter
from lianxin.audit.anchor import schedule_anchor
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import GENESIS_HASH, KEYED_SCHEME, AuditAction, entry_digest
from lianxin.core.crypto import EncryptedTextField

from .history import Generated
from .steps import Ev


class ChunkWriter:
    def __init__(self, unit_codes: dict[int, str], *, skip_fk_checks: bool = False) -> None:
        self.pg = connection.vendor == "postgresql"
        # Large seeds on PostgreSQL: skip the per-row foreign-key triggers (the generator only writes ids
        # it created). Needs a superuser; without one the checks simply stay on.
        self.skip_fk_checks = skip_fk_checks and self.pg
        self.unit_codes = unit_codes
        self.next_appeal = (Appeal.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.next_event = (AppealEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.next_extension = (ExtensionRequest.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
        self.seq = last["seq"] if last else 0
        self.prev_hash = last["hash"] if last else GENESIS_HASH
        self.counts = {"appeals": 0, "events": 0, "audit": 0}

    # --- low level ----------------------------------------------------------------------------------

    def _write(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.pg:
            model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
            return
        fields = {f.attname: f for f in model._meta.concrete_fields}
        # Columns the generator does not know about (added later by other apps) get their model default.
        defaults = {
            name: field.get_default()
            for name, field in fields.items()
            if name not in rows[0] and not field.primary_key
        }
        names = [*rows[0], *defaults]
        if defaults:
            rows = [{**row, **defaults} for row in rows]
        json_fields = {n for n in names if isinstance(fields[n], models.JSONField)}
        # COPY bypasses the fields' conversions: encrypted columns get their tokens here
        sealed = {n: fields[n] for n in names if isinstance(fields[n], EncryptedTextField)}
        if sealed:
            rows = [{**row, **{n: f.get_prep_value(row[n]) for n, f in sealed.items()}} for row in rows]
        columns = ", ".join(connection.ops.quote_name(str(fields[n].column)) for n in names)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(row[n], ensure_ascii=False) if n in json_fields else row[n]
                            for n in names
                        ]
                    )

    def _event_row(self, pk: int, appeal_id: int, ev: Ev) -> dict[str, Any]:
        return {
            "id": pk,
            "appeal_id": appeal_id,
            "type": ev.type,
            "at": ev.at,
            "actor_id": ev.actor.id if ev.actor else None,
            "actor_label": ev.actor_label,
            "unit_id": ev.unit_id,
            "from_status": ev.from_status,
            "to_status": ev.to_status,
            "note": ev.note,
            "data": ev.data,
            "public": ev.public,
        }

    def _audit_row(self, tracking: str, ev: Ev) -> dict[str, Any]:
        self.seq += 1
        data = {
            "event": ev.type,
            "from": ev.from_status,
            "to": ev.to_status,
            "unit": self.unit_codes.get(ev.unit_id) if ev.unit_id else None,
        }
        actor_id = ev.actor.id if ev.actor else None
        digest = entry_digest(
            prev_hash=self.prev_hash,
            seq=self.seq,
            at=ev.at,
            actor_id=actor_id,
            actor_label=ev.actor_label,
            action=AuditAction.STATE_CHANGE,
            object_type="appeal",
            object_id=tracking,
            data=data,
            scheme=KEYED_SCHEME,
        )
        row = {
            "seq": self.seq,
            "at": ev.at,
            "actor_id": actor_id,
            "actor_ref": actor_id,
            "actor_label": ev.actor_label,
            "scheme": KEYED_SCHEME,
            "action": AuditAction.STATE_CHANGE,
            "object_type": "appeal",
            "object_id": tracking,
            "data": data,
            "prev_hash": self.prev_hash,
            "hash": digest,
        }
        self.prev_hash = digest
        return row

    # --- a chunk -------------------------------------------------------------------------------------------

    def _without_fk_triggers(self) -> None:
        if not self.skip_fk_checks:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.skip_fk_checks = False

    def write_chunk(self, chunk: Generated) -> None:
        """Write one chunk; call inside a transaction."""
        self._without_fk_triggers()
        base = self.next_appeal
        self.next_appeal += len(chunk.appeals)
        for index, target in chunk.merges:
            chunk.appeals[index]["merged_into_id"] = base + target
        extension_rows = []
        for index, request, events in chunk.extensions:
            pk = self.next_extension
            self.next_extension += 1
            for ev in events:  # the request's id is known only now
                assert isinstance(ev.payload, ExtensionRequested | ExtensionApproved | ExtensionRefused)
                ev.payload = dataclasses.replace(ev.payload, request=pk)
            extension_rows.append({"id": pk, "appeal_id": base + index, **request})
        last_at: dict[int, dt.datetime] = {}
        ordered = sorted(chunk.events, key=lambda item: item[1].at)
        event_rows, audit_rows = [], []
        for index, ev in ordered:
            event_rows.append(self._event_row(self.next_event, base + index, ev))
            self.next_event += 1
            audit_rows.append(self._audit_row(chunk.appeals[index]["tracking_number"], ev))
            last_at[index] = ev.at
        appeal_rows = []
        for index, row in enumerate(chunk.appeals):
            appeal_rows.append(
                {"id": base + index, **row, "updated_at": last_at.get(index, row["submitted_at"])}
            )
        # Merged appeals point at earlier rows of the same chunk: write in id order (one COPY).
        self._write(Appeal, appeal_rows)
        self._write(AppealEvent, event_rows)
        self._write(ExtensionRequest, extension_rows)
        self._write(CoHandler, [{"appeal_id": base + index, **row} for index, row in chunk.co_handlers])
        self._write(AuditEntry, audit_rows)
        if audit_rows:
            schedule_anchor()
        self.counts["appeals"] += len(appeal_rows)
        self.counts["events"] += len(event_rows)
        self.counts["audit"] += len(audit_rows)

    def finish(self, day_counters: dict[dt.date, int]) -> None:
        """Move id sequences past the rows written with explicit ids; record the tracking counters."""
        if self.pg:
            with connection.cursor() as cursor:
                for model in (Appeal, AppealEvent, ExtensionRequest):
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
        existing = dict(TrackingCounter.objects.filter(day__in=list(day_counters)).values_list("day", "last"))
        TrackingCounter.objects.filter(day__in=list(existing)).delete()
        TrackingCounter.objects.bulk_create(
            [TrackingCounter(day=day, last=max(n, existing.get(day, 0))) for day, n in day_counters.items()],
            batch_size=500,
        )
