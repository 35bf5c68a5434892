"""The one appeal list filter: parsed by each interface, applied by `selectors.appeals_filtered`.

The staff queue (web/views/staff.py, `QueueFilterForm`), the API list (`GET /api/v1/appeals`) and
Open311's `GET requests` each turn their own parameters into an `AppealFilter` and refuse bad
input in their own words; what the filter means is written once, in `appeals_filtered`.
Codes are resolved to paths and ids while parsing (`category_paths`, `area_paths`): an unknown
code is the interface's to refuse (the API, Open311) or to match nothing with (the queue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lianxin.org.models import Area, Category


class SearchStyle(StrEnum):
    """How the search box's text is read (the two boxes differ; issue 11 changed no rule).

    QUEUE: a whole tracking number finds that appeal; a phone number searches by phone (refused
    to roles that may not see phones); anything else searches title and text.
    API: a phone number searches by phone for roles that may see phones; anything else searches
    title, text and tracking number.
    """

    QUEUE = "queue"
    API = "api"


@dataclass(frozen=True, kw_only=True)
class AppealFilter:
    """Which appeals a list shows, within what the reader may see. Empty fields do not filter.

    `category_paths` / `area_paths`: None does not filter, a tuple keeps the appeals in any of
    these subtrees (an empty tuple: none at all). Dates: `date_from` / `date_to` are local calendar
    days, both included; `since` / `until` are instants, both included.
    """

    tracking_numbers: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    kind: str = ""
    urgency: str = ""
    channel: str = ""
    overdue: bool | None = None
    category_paths: tuple[str, ...] | None = None
    area_paths: tuple[str, ...] | None = None
    unit_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    text: str = ""
    search: SearchStyle = SearchStyle.QUEUE


def category_paths(codes: Iterable[str]) -> tuple[str, ...]:
    """The paths of the categories with these codes (unknown codes left out)."""
    return tuple(
        Category.objects.filter(code__in=list(codes)).order_by("path").values_list("path", flat=True)
    )


def area_paths(codes: Iterable[str]) -> tuple[str, ...]:
    """The paths of the areas with these codes (unknown codes left out)."""
    return tuple(Area.objects.filter(code__in=list(codes)).order_by("path").values_list("path", flat=True))
