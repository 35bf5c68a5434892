"""Erasing personal data past its retention period, batch by batch, each batch one audit entry.

The domain apps register their data kinds with `core/retention.py` and use `erase_in_batches` for the
erase step: `pending()` is the queryset of records still holding personal data past the cutoff and
`erase(ids)` blanks (or deletes) them. Rows another job holds are skipped (`skip_locked`) and picked
up on the next run, so two runs at once erase nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from .services import AuditAction, audit_append

BATCH = 500


def erase_in_batches(
    *,
    kind: str,
    object_type: str,
    cutoff: dt.datetime,
    pending: Callable[[], QuerySet[Any]],
    erase: Callable[[list[int]], None],
    batch: int = BATCH,
) -> int:
    """Erase every pending record; returns how many. Each batch commits with its audit entry."""
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(
                pending()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return erased
            erase(ids)
            audit_append(
                action=AuditAction.PERSONAL_DATA_ERASED,
                object_type=object_type,
                object_id=f"{ids[0]}..{ids[-1]}",
                actor_label="retention",
                data={"kind": kind, "count": len(ids), "cutoff": cutoff.isoformat()},
            )
            erased += len(ids)
