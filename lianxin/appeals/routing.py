"""Dispatch routing: the triage engine's routing over the dispatch catalogue (`org.DispatchRule`),
informed by the return history of recent dispatches.

Lives in `appeals` (not `org`) because it reads appeal events; `org` stays below the domain apps.
"""

from __future__ import annotations

import datetime as dt

from lianxin.org.models import Area, Category, DispatchRule, Unit
from lianxin.triage.routing import RouteResult, RoutingHistory, Rule, route

from .models import AppealEvent, EventType

ROUTING_HISTORY_DAYS = 180
ROUTING_MIN_SCORE = 0.5  # about four returns in a row with no kept appeal


ROUTING_HISTORY_CACHE_SECONDS = 600


def routing_history(category: Category) -> RoutingHistory:
    """What the recent dispatches of this category taught us: for each unit and area, how many
    appeals were dispatched to it and how many it returned (退单).

    The counts are cached for ten minutes per category: intake must not aggregate half a year of
    events for every new appeal, and a return changes the picture only slowly."""
    from django.core.cache import cache

    key = f"lianxin:routing-history:{category.code}"
    history: RoutingHistory | None = cache.get(key)
    if history is None:
        history = RoutingHistory()
        for unit, area, dispatched, returned in _routing_counts(category):
            for i in range(dispatched):
                history.record(category.code, area, unit, returned=i < returned)
        cache.set(key, history, ROUTING_HISTORY_CACHE_SECONDS)
    return history


def forget_routing_history(category_code: str) -> None:
    """Drop the cached counts of a category (after a return, so the next suggestion learns from it)."""
    from django.core.cache import cache

    cache.delete(f"lianxin:routing-history:{category_code}")


def _routing_counts(category: Category) -> list[tuple[str, str, int, int]]:
    from django.db.models import Count
    from django.utils import timezone

    since = timezone.now() - dt.timedelta(days=ROUTING_HISTORY_DAYS)
    rows = (
        AppealEvent.objects.filter(
            appeal__category=category,
            at__gte=since,
            unit__isnull=False,
            type__in=[EventType.DISPATCHED, EventType.REDISPATCHED, EventType.RETURNED],
        )
        .values_list("type", "unit__code", "appeal__area__code")
        .annotate(n=Count("id"))
    )
    dispatched: dict[tuple[str, str], int] = {}
    returned: dict[tuple[str, str], int] = {}
    for kind, unit, area, n in rows:
        target = returned if kind == EventType.RETURNED else dispatched
        target[(unit, area)] = target.get((unit, area), 0) + n
    return [(unit, area, n, returned.get((unit, area), 0)) for (unit, area), n in dispatched.items()]


def route_for(category: Category | None, area: Area | None) -> RouteResult:
    """The triage engine's routing over the dispatch catalogue, informed by return history.

    The most specific rule wins (deepest category, then deepest area); units that keep returning
    this kind of appeal rank lower; several equally good units mean a dispatcher must choose.
    """
    if category is None or area is None:
        return RouteResult([], False, "category or area unknown", "unknown")
    rules = DispatchRule.objects.filter(
        category__code__in=category.ancestor_codes(), area__code__in=area.ancestor_codes(), unit__active=True
    ).values_list("category__code", "area__code", "unit__code")
    return route(
        category.ancestor_codes(),
        area.ancestor_codes(),
        [Rule(c, a, u) for c, a, u in rules],
        history=routing_history(category),
        min_score=ROUTING_MIN_SCORE,
    )


def units_for_dispatch(category: Category | None, area: Area | None) -> list[Unit]:
    """The units the routing proposes, best first (see `route_for`)."""
    codes = route_for(category, area).units
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    return [units[c] for c in codes if c in units]
