"""Which duplicate index this process asks: its own, or the host's shared server.

`recent_index()` is what intake (`triage_bridge`) and the bulk intake call; both kinds answer the
same `AppealsIndex` protocol with the same decisions (docs/triage.md, "Duplicates").
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, cast

from django.conf import settings

from .duplicates import DuplicateHint, RecentAppealsIndex, window_days
from .duplicates_remote import RemoteAppealsIndex

_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


class AppealsIndex(Protocol):
    """What intake asks of the duplicate index, embedded (`RecentAppealsIndex`) or shared by the
    processes of a host (`duplicates_remote.RemoteAppealsIndex`)."""

    def refresh(self) -> None: ...

    def check(
        self, text: str, *, area_path: str | None, phone: str | None, k: int = 5
    ) -> list[DuplicateHint]: ...

    def check_many(
        self, texts: list[str], *, area_paths: list[str | None], phones: list[str], k: int = 5
    ) -> list[list[DuplicateHint]]: ...


def recent_index() -> AppealsIndex:
    """This process's way to the duplicate index: with `LIANXIN_DUPLICATE_INDEX` set, the shared
    index server at that address (`lianxin duplicate_index serve`); otherwise an index of its own
    (the embedded mode: SQLite, tests, a single process)."""
    with _shared_lock:
        if "index" not in _shared:
            address = str(settings.LIANXIN.get("DUPLICATE_INDEX_ADDRESS") or "")
            if address:
                _shared["index"] = RemoteAppealsIndex(address)
            else:
                _shared["index"] = RecentAppealsIndex(window_days())
        return cast(AppealsIndex, _shared["index"])


def reset_recent_index() -> None:
    """Forget the process's index (tests; or after bulk imports)."""
    with _shared_lock:
        index = _shared.pop("index", None)
    close = getattr(index, "close", None)
    if close is not None:
        close()
