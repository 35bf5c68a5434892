"""Follow-up sampling (回访抽查): which closed appeals get a follow-up check, chosen reproducibly as
the rollup fold meets their closing events. Part of the fold (`rollups.process_events`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from lianxin.appeals.events import Rated, payload_of
from lianxin.appeals.models import AppealEvent, Satisfaction

from .models import FollowUp, FollowUpReason


def sample_hit(appeal_id: int, event_id: int, percent: Decimal | float) -> bool:
    """Reproducible sampling: the same closing event always gets the same answer."""
    digest = hashlib.sha256(f"follow-up:{appeal_id}:{event_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000 < float(percent) * 100


def sample_follow_ups(closings: list[tuple[int, AppealEvent]], now: dt.datetime, today: dt.date) -> int:
    """Create the follow-ups of these closings (unit, closing event): every dissatisfied one, and
    the scheme's sample percentage of the others (the scheme in force `today`)."""
    from .selectors.schemes import scheme_for

    if not closings:
        return 0
    percent = scheme_for(today, fresh=True).follow_up_sample_percent
    rows = []
    for unit_id, event in closings:
        payload = payload_of(event)  # a closing: rated, closed or answered directly
        dissatisfied = isinstance(payload, Rated) and payload.satisfaction == Satisfaction.DISSATISFIED
        if dissatisfied or sample_hit(event.appeal_id, event.id, percent):
            rows.append(
                FollowUp(
                    appeal_id=event.appeal_id,
                    unit_id=unit_id or None,
                    reason=FollowUpReason.DISSATISFIED if dissatisfied else FollowUpReason.SAMPLED,
                    sampled_at=now,
                    closed_event_id=event.id,
                )
            )
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
