"""Reference data kept in the process's memory and reloaded when it changes.

A `ProcessMemo` holds the result of a loader (a snapshot of rarely changing rows: the
organisation's areas and units, the assessment schemes) in the process's memory, so that reading
it costs no query and no unpickling. The snapshot is tied to a *version token* kept in the shared
cache: `changed()` replaces the token, and every process reloads on its next read. Connect the
models whose rows the snapshot holds (`connect`) and saving or deleting one of them calls
`changed()` at once (this process, inside its transaction) and again after commit (the other
processes, once the change is visible to them). Writes that send no signal (`QuerySet.update`,
`bulk_create`, SQL) show after at most `max_age` seconds, or at once after `changed()`; a cleared
or restarted cache reloads too."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    def __init__(self, name: str, loader: Callable[[], T], *, max_age: float = 300) -> None:
        self.name = name
        self.version_key = f"memo:{name}:version"
        self.loader = loader
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: tuple[str, float, T] | None = None

    def _token(self) -> str:
        token = cache.get(self.version_key)
        if token is None:
            cache.add(self.version_key, uuid.uuid4().hex, None)
            token = cache.get(self.version_key)
        return str(token or "")

    def get(self) -> T:
        """The snapshot, reloaded if it changed since it was taken (or it is older than max_age)."""
        token = self._token()
        held = self._value
        if held is not None and held[0] == token and time.monotonic() - held[1] < self.max_age:
            return held[2]
        with self._lock:
            value = self.loader()
            self._value = (token, time.monotonic(), value)
        return value

    def changed(self) -> None:
        """Make every process reload the snapshot on its next read."""
        cache.set(self.version_key, uuid.uuid4().hex, None)
        self._value = None

    def _on_change(self, **_kwargs: Any) -> None:
        self.changed()
        transaction.on_commit(self.changed)

    def connect(self, *senders: type[models.Model]) -> None:
        """Reload after any of these models' rows is saved or deleted."""
        for model in senders:
            for signal, verb in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    self._on_change,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"memo-{self.name}-{verb}-{model.__name__}",
                )
