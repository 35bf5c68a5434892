"""The supervision dashboard's figures: built from the rollups, rendered as one HTML fragment and
cached until a figure it shows may have changed (docs/supervision.md "How the dashboard stays fast").

Used by the dashboard view and by the periodic refresh, which renders the default views ahead of
their readers (`warm`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language

from lianxin.org.models import Area, User
from lianxin.worktime import calendar

from . import selectors
from .policy import OVERSEER_ROLES, jurisdiction_of
from .selectors import KpiFigures, Period, Slice

logger = logging.getLogger(__name__)


def pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def figures_table(figures: KpiFigures) -> dict[str, Any]:
    data = figures.as_dict()
    for name in (
        "response_rate",
        "accept_on_time_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "return_rate",
        "unjustified_return_rate",
        "reopen_rate",
        "auto_close_rate",
    ):
        data[name] = pct(data[name])
    for name in ("avg_accept_hours", "avg_close_hours"):
        data[name] = round(data[name], 1) if data[name] is not None else None
    return data


def series_chart(points: list[tuple[dt.date, KpiFigures]]) -> list[dict[str, Any]]:
    return [
        {
            "date": day.isoformat(),
            "received": f.received,
            "closed": f.closed,
            "satisfaction": pct(f.satisfaction_rate),
            "response": pct(f.response_rate),
            "resolution": pct(f.resolution_rate),
        }
        for day, f in points
    ]


def ranking_rows(rows: list[selectors.RankingRow]) -> list[dict[str, Any]]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "rank": r.rank,
            "score": r.score.value,
            "deductions": r.score.deductions,
            "rank_change": r.rank_change,
            "score_change": r.score_change,
            "response": pct(r.figures.response_rate),
            "resolution": pct(r.figures.resolution_rate),
            "satisfaction": pct(r.figures.satisfaction_rate),
            "overdue": r.figures.overdue,
            "false_closures": r.figures.false_closures,
        }
        for r in rows
    ]


DASHBOARD_CACHE_SECONDS = 3600


def slice_key(slc: Slice) -> tuple[Any, ...]:
    """A stable description of a slice (sorted ids), the same in every process."""
    dimensions = (slc.unit_ids, slc.area_ids, slc.category_ids, slc.street_ids, slc.top_category_ids)
    return (*(None if ids is None else tuple(sorted(ids)) for ids in dimensions), slc.coarse)


def figures_context(
    period: Period, slc: Slice, area: Area | None, metric: str, ranking_month: Period
) -> dict[str, Any]:
    """Everything on the dashboard that comes from the rollups (cached as rendered HTML)."""
    daily = selectors.daily_series(period, slc) if selectors.answers_daily(slc) else []
    category_mix = [
        {"name": row.label, "value": row.figures.received}
        for row in selectors.breakdown(period, slc, by="top_category", fields=("received",))
        if row.figures.received
    ]
    now = timezone.now()
    return {
        "period": period,
        # every figure says when it was computed (the HTML is cached: the time of this rendering),
        # and a period not over yet is labelled as such beside the full previous one (issue 16)
        "computed_at": now,
        "part_period": period.end > now.astimezone(calendar.TZ).date(),
        "metric": metric,
        "figures": figures_table(selectors.kpis(period, slc)),
        "previous": figures_table(selectors.kpis(period.previous(), slc)),
        "daily": series_chart(daily),
        "weekly": series_chart(selectors.weekly(daily)),
        "category_mix": category_mix,
        "ranking_month": ranking_month,
        "unit_ranking": ranking_rows(selectors.rankings(ranking_month, slc, by="unit")),
        "street_ranking": ranking_rows(selectors.rankings(ranking_month, slc, by="street")),
        "map": selectors.grid_map(period, slc, metric=metric),
        "daily_available": selectors.answers_daily(slc),
        "recurring": selectors.recurring_problems(period, slc),
        "area_param": f"&area={area.pk}" if area else "",
    }


def _figures_html(
    period: Period, slc: Slice, area: Area | None, metric: str, *, request: HttpRequest | None = None
) -> tuple[str, bool]:
    """The rollup part of the dashboard, rendered once per (slice, period, metric, language) and
    reused until a figure it shows may have changed (`selectors.figures_stamp`)."""
    # a month or a quarter ranks by itself; a date range by the month it ends in
    ranking_month = (
        period
        if period.kind in ("month", "quarter")
        else Period.containing(period.end - dt.timedelta(days=1))
    )
    stamp = selectors.figures_stamp(period.previous(), period, ranking_month.previous(), ranking_month)
    raw = repr((slice_key(slc), period, metric, area.pk if area else None, get_language(), stamp))
    key = "supervision:dashboard:v1:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    html = cache.get(key)
    if html is not None:
        return html, False
    context = figures_context(period, slc, area, metric, ranking_month)
    html = render_to_string("supervision/_dashboard_figures.html", context, request=request)
    cache.set(key, html, DASHBOARD_CACHE_SECONDS)
    return html, True


def figures_html(
    period: Period, slc: Slice, area: Area | None, metric: str, *, request: HttpRequest | None = None
) -> str:
    return _figures_html(period, slc, area, metric, request=request)[0]


def warm(now: dt.datetime | None = None) -> int:
    """Render the default dashboard (this month and last month, whole jurisdiction, default
    language) of every overseer jurisdiction whose figures changed; returns how many were rendered."""
    today = (now or timezone.now()).astimezone(calendar.TZ).date()
    this_month = Period.containing(today)
    overseers = User.objects.filter(is_active=True, roles__role__in=OVERSEER_ROLES).distinct()
    jurisdictions = {j for j in map(jurisdiction_of, overseers) if j.is_overseer}
    rendered = 0
    with translation.override(settings.LANGUAGE_CODE):
        for j in sorted(jurisdictions, key=repr):
            slc = j.slice()
            for period in (this_month, this_month.previous()):
                _html, fresh = _figures_html(period, slc, None, "received", request=None)
                rendered += int(fresh)
    return rendered
