"""Visit coverage: which rule applies to a household, when it is due, who is overdue, the rollups.

A household is due `interval_days` after its last visit (or after it was registered, if never
visited), in calendar days or — when the rule says so — working days (`lianxin.worktime`, with the
holiday schedule). It is overdue the day after it was due. "Visited in time" = not overdue.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from lianxin.org.models import Area, AreaLevel
from lianxin.org.selectors import area_subtree_q, in_area_subtree
from lianxin.worktime import calendar

from .models import AssignmentKind, ContactAssignment, CoverageRule, Household, HouseholdGroup

DEFAULT_INTERVAL_DAYS = 90  # when no rule covers a household
DUE_SOON_DAYS = 7


class State:
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class RuleSpec:
    area_path: str  # "" = everywhere
    group: str  # "" = every household
    interval_days: int
    working_days: bool

    def applies(self, grid_path: str, groups: frozenset[str]) -> bool:
        in_area = not self.area_path or in_area_subtree(grid_path, (self.area_path,))
        return in_area and (not self.group or self.group in groups)

    def specificity(self) -> tuple[int, int, int]:
        depth = len(self.area_path.split("/")) if self.area_path else 0
        return (1 if self.group else 0, depth, -self.interval_days)


DEFAULT_RULE = RuleSpec("", "", DEFAULT_INTERVAL_DAYS, False)


def load_rules() -> list[RuleSpec]:
    return [
        RuleSpec(r.area.path if r.area else "", r.group, r.interval_days, r.working_days)
        for r in CoverageRule.objects.select_related("area")
    ]


def rule_for(rules: list[RuleSpec], grid_path: str, groups: frozenset[str]) -> RuleSpec:
    """The most specific rule: a special group's rule before a general one, then the deepest area,
    then the shortest interval (a household in two groups follows the stricter)."""
    matching = [r for r in rules if r.applies(grid_path, groups)]
    return max(matching, key=RuleSpec.specificity) if matching else DEFAULT_RULE


@functools.lru_cache(maxsize=4096)
def _add_working_days(start: dt.date, days: int) -> dt.date:
    current = start
    for _ in range(days):
        current = calendar.next_workday(current)
    return current


def due_date(base: dt.date, rule: RuleSpec) -> dt.date:
    if rule.working_days:
        return _add_working_days(base, rule.interval_days)
    return base + dt.timedelta(days=rule.interval_days)


@dataclass(frozen=True, slots=True)
class CoverageRow:
    household_id: int
    grid_path: str
    groups: frozenset[str]
    last_visit: dt.date | None
    due_on: dt.date
    state: str
    rule: RuleSpec


def state_on(due_on: dt.date, today: dt.date) -> str:
    if today > due_on:
        return State.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return State.DUE_SOON
    return State.OK


def coverage_rows(households: QuerySet[Household], today: dt.date) -> list[CoverageRow]:
    """Coverage of these households on `today` (visits after today are not counted).

    For today (the usual case) it reads `Household.last_visited_on`, one indexed scan; for a past
    day it aggregates the visits up to that day."""
    _add_working_days.cache_clear()  # the holiday schedule may have changed since the last run
    rules = load_rules()
    active = households.filter(active=True)
    if today >= timezone.localdate():  # now: the kept date of the latest visit (no visit is in the future)
        rows = active.values_list("pk", "grid__path", "registered_on", "last_visited_on")
    else:  # as of a past day: only the visits up to that day count
        rows = active.annotate(
            last=Max("visits__visited_on", filter=Q(visits__visited_on__lte=today))
        ).values_list("pk", "grid__path", "registered_on", "last")
    groups: dict[int, set[str]] = defaultdict(set)
    for household_id, group in HouseholdGroup.objects.filter(household__in=households).values_list(
        "household_id", "group"
    ):
        groups[household_id].add(group)
    result = []
    chosen: dict[tuple[str, frozenset[str]], RuleSpec] = {}  # households share grids and groups
    no_groups: frozenset[str] = frozenset()
    for pk, grid_path, registered_on, last in rows:
        member_groups = frozenset(groups[pk]) if pk in groups else no_groups
        key = (grid_path, member_groups)
        rule = chosen.get(key)
        if rule is None:
            rule = chosen[key] = rule_for(rules, grid_path, member_groups)
        due = due_date(last or registered_on, rule)
        result.append(CoverageRow(pk, grid_path, member_groups, last, due, state_on(due, today), rule))
    return result


# --- rollups ---------------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    in_time: int = 0
    overdue: int = 0
    by_group: dict[str, list[int]] = field(default_factory=dict)  # group → [total, in_time]

    def add(self, row: CoverageRow) -> None:
        ok = row.state != State.OVERDUE
        self.total += 1
        self.in_time += ok
        self.overdue += not ok
        for group in row.groups:
            counts = self.by_group.setdefault(group, [0, 0])
            counts[0] += 1
            counts[1] += ok

    @property
    def share(self) -> float | None:
        return round(self.in_time / self.total, 4) if self.total else None

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "in_time": self.in_time,
            "overdue": self.overdue,
            "share": self.share,
            "by_group": {
                g: {"total": t, "in_time": i, "share": round(i / t, 4) if t else None}
                for g, (t, i) in sorted(self.by_group.items())
            },
        }


def rollup_by_area(rows: Iterable[CoverageRow], depth: int) -> dict[str, Tally]:
    """Tallies per ancestor area at `depth` path segments (2 = street, 3 = community, 4 = grid)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        parts = row.grid_path.split("/")
        if len(parts) >= depth:
            tallies["/".join(parts[:depth])].add(row)
    return dict(tallies)


def rollup_by_cadre(rows: Iterable[CoverageRow]) -> dict[int, Tally]:
    by_household = {r.household_id: r for r in rows}
    tallies: dict[int, Tally] = defaultdict(Tally)
    for cadre_id, household_id in ContactAssignment.objects.filter(
        kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True, household_id__in=list(by_household)
    ).values_list("cadre_id", "household_id"):
        tallies[cadre_id].add(by_household[household_id])
    return dict(tallies)


def households_under(paths: tuple[str, ...]) -> QuerySet[Household]:
    """The households of the grids in these areas (by grid id: the households' grid index is used)."""
    grids = Area.objects.filter(area_subtree_q(paths, prefix="path"), level=AreaLevel.GRID).values_list(
        "pk", flat=True
    )
    return Household.objects.filter(grid_id__in=list(grids))


def area_names(paths: Iterable[str]) -> dict[str, str]:
    return dict(Area.objects.filter(path__in=list(paths)).values_list("path", "name"))
