"""Mediation indicators (issue 13), registered with supervision's indicator registry from `ready`.

Cases in the areas whose outcome was recorded in the period:
- `mediation_opened`: cases applied for in the period (a count).
- `mediation_agreed`: agreements reached (`agreed_at` in the period).
- `mediation_referred`: no agreement, referred elsewhere (closed in the period).
- `mediation_withdrawn`: withdrawn (closed in the period).
- `mediation_agreement_rate`: agreed of agreed + referred in the period.
- `mediation_kept_rate`: of the cases with a follow-up visit in the period, the share whose
  agreement is kept (the case's latest verdict).
- `mediation_median_days_to_close`: median days from application to the end (closed with the
  agreement kept, referred or withdrawn; declined requests left out) of cases ended in the period.
"""

from __future__ import annotations

import datetime as dt
import statistics

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lianxin.org.selectors import area_subtree_q
from lianxin.supervision.indicators import day_bounds

from .breakdowns import ENDED, report_tables
from .models import FollowUp, MediationCase, Status


def _cases(paths: tuple[str, ...] | None) -> QuerySet[MediationCase]:
    qs = MediationCase.objects.all()
    return qs.filter(area_subtree_q(paths)) if paths is not None else qs


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _agreed(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> int:
    since, until = day_bounds(start, end)
    return _cases(paths).filter(agreed_at__gte=since, agreed_at__lt=until).count()


def _ended(
    paths: tuple[str, ...] | None, start: dt.date, end: dt.date, *statuses: str
) -> QuerySet[MediationCase]:
    since, until = day_bounds(start, end)
    return _cases(paths).filter(status__in=statuses, closed_at__gte=since, closed_at__lt=until)


def opened(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    since, until = day_bounds(start, end)
    return float(_cases(paths).filter(opened_at__gte=since, opened_at__lt=until).count())


def agreed(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_agreed(paths, start, end))


def referred(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_ended(paths, start, end, Status.REFERRED).count())


def withdrawn(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    return float(_ended(paths, start, end, Status.WITHDRAWN).count())


def agreement_rate(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    yes = _agreed(paths, start, end)
    return _share(yes, yes + _ended(paths, start, end, Status.REFERRED).count())


def kept_rate(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    since, until = day_bounds(start, end)
    visits = FollowUp.objects.filter(visited_at__gte=since, visited_at__lt=until)
    if paths is not None:
        visits = visits.filter(area_subtree_q(paths, "case__area__path"))
    cases = _cases(None).filter(pk__in=visits.values("case_id"), agreement_kept__isnull=False)
    return _share(cases.filter(agreement_kept=True).count(), cases.count())


def median_days_to_close(paths: tuple[str, ...] | None, start: dt.date, end: dt.date) -> float | None:
    spans = [
        (c - o).total_seconds() / 86400
        for o, c in _ended(paths, start, end, *ENDED).values_list("opened_at", "closed_at")
        if c is not None
    ]
    return round(statistics.median(spans), 1) if spans else None


def register() -> None:
    from lianxin.supervision.indicators import Indicator, Section, register_indicator, register_section

    register_section(Section("mediation", _("矛盾纠纷调解"), order=30, tables=report_tables))
    for code, label, kind, fn in (
        ("mediation_opened", _("调解申请数"), "count", opened),
        ("mediation_agreed", _("调解成功（达成协议）数"), "count", agreed),
        ("mediation_referred", _("调解不成·引导数"), "count", referred),
        ("mediation_withdrawn", _("撤回数"), "count", withdrawn),
        ("mediation_agreement_rate", _("调解成功率"), "share", agreement_rate),
        ("mediation_kept_rate", _("协议履行率"), "share", kept_rate),
        ("mediation_median_days_to_close", _("结案用时中位数（天）"), "count", median_days_to_close),
    ):
        register_indicator(Indicator(code, label, kind, fn, source="mediation"))
