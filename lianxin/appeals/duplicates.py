"""Likely duplicates of a new appeal among recent ones, with the triage engine's `DuplicateIndex`.

Each process keeps an index of the last `DUPLICATE_WINDOW_DAYS` of appeals and brings it up to date
by primary-key watermark before each lookup (one indexed query), so every process sees appeals taken
in by the others. The database stays the truth; the index is a cache that can be rebuilt at any time.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .models import Appeal

WINDOW_DAYS = 30
_REFRESH_BATCH = 20_000


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
        self._watermark = 0
        self._lock = threading.Lock()
        self._last_expiry = timezone.now()

    def refresh(self) -> None:
        since = timezone.now() - self.window
        while True:
            newer = Appeal.objects.filter(pk__gt=self._watermark)
            if not self._watermark:  # the first load takes the window; later ones only what is new
                newer = newer.filter(submitted_at__gte=since)
            rows = list(
                newer.order_by("pk")
                .values_list("pk", "title", "text", "area__path", "submitted_at", "contact_phone")[:_REFRESH_BATCH]
            )
            if not rows:
                break
            self._index.add_many(
                [r[0] for r in rows],
                [f"{r[1]} {r[2]}" for r in rows],
                [r[3] for r in rows],
                [r[4] for r in rows],
                [r[5] or None for r in rows],
            )
            self._watermark = rows[-1][0]
            if len(rows) < _REFRESH_BATCH:
                break
        if timezone.now() - self._last_expiry > dt.timedelta(hours=1):
            self._index.expire(since)
            self._last_expiry = timezone.now()

    def check(self, text: str, *, area_path: str | None, phone: str | None, k: int = 5) -> list[DuplicateHint]:
        with self._lock:
            self.refresh()
            result = self._index.check(text, area_code=area_path, phone=phone or None, k=k)
        candidates = [c for c in result.candidates if c.score >= result.merge_threshold or c.same_phone]
        if not candidates:
            return []
        numbers = dict(Appeal.objects.filter(pk__in=[c.id for c in candidates]).values_list("pk", "tracking_number"))
        return [
            DuplicateHint(numbers[c.id], round(float(c.score), 3), bool(c.same_phone))
            for c in candidates
            if c.id in numbers
        ]


_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def recent_index() -> RecentAppealsIndex:
    with _shared_lock:
        if "index" not in _shared:
            _shared["index"] = RecentAppealsIndex()
        return _shared["index"]


def reset_recent_index() -> None:
    """Forget the process's index (tests; or after bulk imports)."""
    with _shared_lock:
        _shared.pop("index", None)
