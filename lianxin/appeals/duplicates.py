"""Likely duplicates of a new appeal among recent ones, with the triage engine's `DuplicateIndex`.

Each process keeps an index of the last `WINDOW_DAYS` of appeals and brings it up to date before
each lookup, so every process sees what the others did: new appeals by primary-key watermark (one
indexed query), and reclassifications (改分类) by a second watermark over the appeal events (one
indexed query), re-filing each reclassified appeal it holds under its current area. The database
stays the truth; the index is a cache that can be rebuilt at any time.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.utils import timezone

from .models import Appeal, AppealEvent, EventType, Status

WINDOW_DAYS = 30
_REFRESH_BATCH = 20_000
# How far before the previous refresh a reclassification event's time may lie and still be
# looked at: an event is stamped when its transaction starts its write, and may commit later.
_EVENT_TIME_MARGIN = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class DuplicateHint:
    tracking_number: str
    score: float
    same_phone: bool


class RecentAppealsIndex:
    def __init__(self, window_days: int = WINDOW_DAYS) -> None:
        from lianxin.triage.duplicates import DuplicateIndex

        self.window = dt.timedelta(days=window_days)
        self._index = DuplicateIndex(window=self.window)
        self._watermark = 0  # the last appeal indexed
        self._event_watermark: int | None = (
            None  # the last appeal event looked at; None before the first load
        )
        self._events_checked_at = timezone.now()  # when reclassifications were last looked for
        self._lock = threading.RLock()
        self._last_expiry = timezone.now()

    def refresh(self) -> None:
        with self._lock:
            now = timezone.now()
            since = now - self.window
            if self._event_watermark is None:
                # Taken before the first load of appeals, so that a reclassification committed
                # during that load is replayed, not lost; earlier ones are already in the rows.
                self._event_watermark = (
                    AppealEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                )
            self._add_new_appeals(since)
            self._refile_reclassified(since, events_after=self._events_checked_at - _EVENT_TIME_MARGIN)
            self._events_checked_at = now
            if timezone.now() - self._last_expiry > dt.timedelta(hours=1):
                self._index.expire(since)
                self._last_expiry = timezone.now()

    def _add_new_appeals(self, since: dt.datetime) -> None:
        while True:
            newer = Appeal.objects.filter(pk__gt=self._watermark)
            if not self._watermark:  # the first load takes the window; later ones only what is new
                newer = newer.filter(submitted_at__gte=since)
            rows = list(
                newer.order_by("pk").values_list(
                    "pk", "title", "text", "area__path", "submitted_at", "contact_phone"
                )[:_REFRESH_BATCH]
            )
            if not rows:
                break
            self._add(rows)
            self._watermark = rows[-1][0]
            if len(rows) < _REFRESH_BATCH:
                break

    def _refile_reclassified(self, since: dt.datetime, *, events_after: dt.datetime) -> None:
        """Re-index the appeals reclassified since the last refresh under their current area (and
        text), so that duplicate checks compare against where an appeal is now, not where it was
        at intake. Only appeals the index holds and that are still inside the window."""
        assert self._event_watermark is not None
        while True:
            # A short range of the (type, time) index: the reclassifications since shortly before
            # the last refresh, not the whole event log since the last reclassification.
            events = list(
                AppealEvent.objects.filter(
                    type=EventType.RECLASSIFIED, at__gte=events_after, pk__gt=self._event_watermark
                )
                .order_by("pk")
                .values_list(
                    "pk",
                    "appeal_id",
                    "appeal__title",
                    "appeal__text",
                    "appeal__area__path",
                    "appeal__submitted_at",
                    "appeal__contact_phone",
                )[:_REFRESH_BATCH]
            )
            if not events:
                break
            current = {row[1]: row[1:] for row in events}  # the appeal's current values, once each
            rows = [row for pk, row in current.items() if pk in self._index and row[4] >= since]
            for row in rows:
                self._index.remove(row[0])
            self._add(rows)
            self._event_watermark = events[-1][0]
            if len(events) < _REFRESH_BATCH:
                break

    def _add(self, rows: list[tuple[Any, ...]]) -> None:
        """Index rows of (pk, title, text, area path, submitted at, phone)."""
        if not rows:
            return
        self._index.add_many(
            [r[0] for r in rows],
            [f"{r[1]} {r[2]}" for r in rows],
            [r[3] for r in rows],
            [r[4] for r in rows],
            [r[5] or None for r in rows],
        )

    def candidates(self, text: str, *, area_path: str | None, phone: str | None, k: int = 5) -> list[Found]:
        """The indexed appeals similar enough to name, as (appeal pk, score, same phone), best first:
        those at the merge threshold and any earlier appeal of the same phone at the repeat one."""
        with self._lock:
            self.refresh()
            result = self._index.check(text, area_code=area_path, phone=phone or None, k=k)
        return [
            (cast(int, c.id), round(float(c.score), 3), bool(c.same_phone))
            for c in result.candidates
            if c.score >= result.merge_threshold or c.same_phone
        ]

    def candidates_many(
        self, texts: list[str], *, area_paths: list[str | None], phones: list[str], k: int = 5
    ) -> list[list[Found]]:
        """`candidates` for the items of a batch in order, each also against the batch's earlier items
        (as if each had been taken in before the next): the index refreshed once, all texts scored
        in one pass (`triage.duplicates_batch`). An earlier item is named `batch_placeholder(i)`."""
        from lianxin.triage.duplicates_batch import check_many

        with self._lock:
            self.refresh()
            checks = check_many(
                self._index,
                texts,
                ids=[batch_placeholder(n) for n in range(len(texts))],
                area_codes=area_paths,
                phones=[p or None for p in phones],
                k=k,
            )
        return [
            [
                (cast("int | str", c.id), round(float(c.score), 3), bool(c.same_phone))
                for c in check.candidates
                if c.score >= check.merge_threshold or c.same_phone
            ]
            for check in checks
        ]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "appeals": len(self._index),
                "watermark": self._watermark,
                "window_days": self.window.days,
                "index_bytes": self._index.memory_bytes(),
            }

    def check(
        self, text: str, *, area_path: str | None, phone: str | None, k: int = 5
    ) -> list[DuplicateHint]:
        return hints_for(self.candidates(text, area_path=area_path, phone=phone, k=k))

    def check_many(
        self, texts: list[str], *, area_paths: list[str | None], phones: list[str], k: int = 5
    ) -> list[list[DuplicateHint]]:
        """`check` for the items of a batch (`candidates_many`), the tracking numbers named read in
        one query; an earlier item of the batch is named `batch_placeholder(i)` until its tracking
        number is known."""
        return hints_for_many(self.candidates_many(texts, area_paths=area_paths, phones=phones, k=k))


# (appeal pk, or a batch placeholder; score; same phone)
Found = tuple["int | str", float, bool]


def hints_for(found: list[Found]) -> list[DuplicateHint]:
    """The hints to show for an index's candidates: a merged appeal's survivor named once, at its
    best (candidates come best first); withdrawn or vanished appeals left out."""
    return hints_for_many([found])[0]


def hints_for_many(results: list[list[Found]]) -> list[list[DuplicateHint]]:
    pks = [c[0] for found in results for c in found if isinstance(c[0], int)]
    numbers = _hint_targets(pks) if pks else {}
    out = []
    for found in results:
        hints: dict[str, DuplicateHint] = {}
        for pk, score, same_phone in found:  # best first, each survivor once
            number = pk if isinstance(pk, str) else numbers.get(pk)
            if number and number not in hints:
                hints[number] = DuplicateHint(number, score, same_phone)
        out.append(list(hints.values()))
    return out


BATCH_PLACEHOLDER = "#batch-item-"


def batch_placeholder(position: int) -> str:
    """How `check_many` names an earlier item of the same batch (replaced by its tracking number)."""
    return f"{BATCH_PLACEHOLDER}{position}#"


_MAX_MERGE_HOPS = 5


def _hint_targets(ids: list[int]) -> dict[int, str]:
    """The tracking number to name for each indexed appeal: its own; for one merged (并案) into
    another, the surviving appeal's (followed through merges of merges); none for a withdrawn
    appeal (nothing to merge into) or one that no longer exists."""
    rows = {
        pk: (number, status, into)
        for pk, number, status, into in Appeal.objects.filter(pk__in=ids).values_list(
            "pk", "tracking_number", "status", "merged_into_id"
        )
    }
    survivor = {pk: pk for pk in rows}
    for _hop in range(_MAX_MERGE_HOPS):
        pending = {
            pk: rows[target][2]
            for pk, target in survivor.items()
            if rows[target][1] == Status.MERGED and rows[target][2] is not None
        }
        missing = {into for into in pending.values() if into not in rows}
        if missing:
            rows.update(
                {
                    pk: (number, status, into)
                    for pk, number, status, into in Appeal.objects.filter(pk__in=missing).values_list(
                        "pk", "tracking_number", "status", "merged_into_id"
                    )
                }
            )
        if not pending:
            break
        for pk, into in pending.items():
            if into in rows:
                survivor[pk] = into
    return {
        pk: rows[target][0]
        for pk, target in survivor.items()
        if rows[target][1] not in (Status.WITHDRAWN, Status.MERGED)
    }


def window_days() -> int:
    """How many days back the index holds appeals (`LIANXIN_DUPLICATE_WINDOW_DAYS`)."""
    return int(settings.LIANXIN.get("DUPLICATE_WINDOW_DAYS") or WINDOW_DAYS)
