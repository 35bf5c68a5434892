"""Mediation figures broken down by dispute type, community or mediator over a period — the same
definitions as the registered indicators (kpis.py): applications opened in the period, agreements
reached in it, referrals and withdrawals ended in it, the agreement rate (agreed of agreed +
referred) and the median days from application to the end of the cases ended in it.

The monthly report shows the type and community tables (no names: published reports are
public); the staff figures page adds the mediators'."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.org.selectors import area_subtree_q
from lianxin.supervision.indicators import Table, day_bounds

from .models import DisputeType, MediationCase, Status

ENDED = (Status.CLOSED, Status.REFERRED, Status.WITHDRAWN)  # the ends a case's duration is measured to

BY = {"type": "dispute_type", "community": "area__name", "mediator": "mediator__display_name"}


@dataclass
class Row:
    name: str
    opened: int = 0
    agreed: int = 0
    referred: int = 0
    withdrawn: int = 0
    spans: list[float] = field(default_factory=list)

    @property
    def agreement_rate(self) -> float | None:
        concluded = self.agreed + self.referred
        return round(self.agreed / concluded, 4) if concluded else None

    @property
    def median_days_to_close(self) -> float | None:
        return round(statistics.median(self.spans), 1) if self.spans else None


def breakdown(paths: tuple[str, ...] | None, start: dt.date, end: dt.date, *, by: str) -> list[Row]:
    """Rows per group (most applications first) for the cases in the areas over the days
    start..end (inclusive)."""
    key = BY[by]
    since, until = day_bounds(start, end)
    qs = MediationCase.objects.filter(
        Q(opened_at__gte=since, opened_at__lt=until)
        | Q(agreed_at__gte=since, agreed_at__lt=until)
        | Q(closed_at__gte=since, closed_at__lt=until)
    )
    if paths is not None:
        qs = qs.filter(area_subtree_q(paths))
    if by == "mediator":
        qs = qs.filter(mediator__isnull=False)
    names = dict(DisputeType.choices) if by == "type" else {}
    rows: dict[str, Row] = defaultdict(lambda: Row(""))
    for group, status, opened_at, agreed_at, closed_at in qs.values_list(
        key, "status", "opened_at", "agreed_at", "closed_at"
    ):
        label = str(names.get(group, group)) if group else "—"
        row = rows[label]
        row.name = label
        row.opened += since <= opened_at < until
        row.agreed += agreed_at is not None and since <= agreed_at < until
        ended = closed_at is not None and since <= closed_at < until
        row.referred += ended and status == Status.REFERRED
        row.withdrawn += ended and status == Status.WITHDRAWN
        if ended and status in ENDED:
            row.spans.append((closed_at - opened_at).total_seconds() / 86400)
    return sorted(rows.values(), key=lambda r: (-r.opened, -r.agreed, r.name))


def _percent(v: float | None) -> str | None:
    return f"{v * 100:.1f}%" if v is not None else None


def _table(title: str, first: str, rows: list[Row]) -> Table:
    return Table(
        title,
        (
            first,
            _("申请"),
            _("达成协议"),
            _("调解不成·引导"),
            _("撤回"),
            _("调解成功率"),
            _("结案用时中位数（天）"),
        ),
        tuple(
            (
                r.name,
                r.opened,
                r.agreed,
                r.referred,
                r.withdrawn,
                _percent(r.agreement_rate),
                r.median_days_to_close,
            )
            for r in rows
        ),
    )


def report_tables(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> list[Table]:
    """The monthly report's breakdowns: by dispute type and by community."""
    return [
        _table(_("按纠纷类型"), _("纠纷类型"), breakdown(paths, start, end, by="type")),
        _table(_("按社区"), _("社区"), breakdown(paths, start, end, by="community")),
    ]


def as_dicts(rows: list[Row]) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "opened": r.opened,
            "agreed": r.agreed,
            "referred": r.referred,
            "withdrawn": r.withdrawn,
            "agreement_rate": r.agreement_rate,
            "median_days_to_close": r.median_days_to_close,
        }
        for r in rows
    ]
