"""What the embedded server (`lianxin serve`) runs besides Django's server, registered by the apps
that own the work (from their `AppConfig.ready`), so that `core` imports none of them.

- banners: print something when the server starts (the demo's logins);
- periodic jobs: run in a background thread every few seconds when no broker is configured (in
  production Celery beat runs them), in registration order, i.e. INSTALLED_APPS order;
- warm-ups: start loading something slow in the background (the triage engine's models).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Banner = Callable[[Any], None]  # given the command's stdout (anything with `write(str)`)
Job = Callable[[], object]

_banners: list[Banner] = []
_periodic: list[Job] = []
_warm_ups: list[Job] = []


def _add(registry: list[Any], fn: Callable[..., Any]) -> None:
    if fn not in registry:  # `ready` may run twice (tests, reloads): register once
        registry.append(fn)


def register_banner(fn: Banner) -> None:
    _add(_banners, fn)


def register_periodic(fn: Job) -> None:
    _add(_periodic, fn)


def register_warm_up(fn: Job) -> None:
    _add(_warm_ups, fn)


def banners() -> tuple[Banner, ...]:
    return tuple(_banners)


def periodic_jobs() -> tuple[Job, ...]:
    return tuple(_periodic)


def warm_ups() -> tuple[Job, ...]:
    return tuple(_warm_ups)
