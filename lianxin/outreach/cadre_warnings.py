"""The warning (预警) for a cadre with overdue visits, pushed into supervision by the coverage sweep.

Supervision owns the rules, the raised warnings and their page; outreach knows who is overdue, so
the sweep computes the candidates and calls `supervision.alerts.sync_period_warnings` (supervision
never imports outreach). For each active rule of kind `cadre_visits_overdue`, a cadre with more than
`threshold` households overdue (open 联系户 assignments) gets one warning per month: it stays open
until they catch up (then it is cleared), and is not raised again in the same month. Each warning
names the cadre, the count and the cadre's community (where most of those households are, with its
residents' committee as the unit, so that 转督办 goes there); on raise the cadre and the community's
staff are notified.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.notifications.services import notify_users
from lianxin.org.models import Area, Role, RoleAssignment, Unit, UnitKind, User
from lianxin.supervision.alerts import Candidate, sync_period_warnings
from lianxin.supervision.alerts import EvaluationReport as EvaluationReport  # re-exported: sync() returns it
from lianxin.supervision.models import RaisedWarning, WarningRule
from lianxin.supervision.warning_kinds import VISITS_OVERDUE, RuleKind, raised_message

from . import coverage
from .models import AssignmentKind, ContactAssignment

BATCH = 5000
DEFAULT_CEILING = 3  # a rule whose threshold is 0: more than 3 overdue households


def overdue_by_cadre(rows: list[coverage.CoverageRow]) -> dict[int, list[str]]:
    """The grid paths of each cadre's overdue households (open 联系户 assignments)."""
    overdue = {r.household_id: r.grid_path for r in rows if r.state == coverage.State.OVERDUE}
    ids = list(overdue)
    out: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), BATCH):
        for cadre_id, household_id in ContactAssignment.objects.filter(
            kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True, household_id__in=ids[start : start + BATCH]
        ).values_list("cadre_id", "household_id"):
            out[cadre_id].append(overdue[household_id])
    return dict(out)


def _community(paths: list[str]) -> str:
    """The community (3 path segments) holding most of these grids."""
    return Counter("/".join(p.split("/")[:3]) for p in paths).most_common(1)[0][0]


@dataclass(frozen=True)
class CadreOverdue:
    cadre_id: int
    name: str
    n: int  # overdue households
    area_id: int | None  # the community
    unit_id: int | None  # its residents' committee


def cadres_overdue(per_cadre: dict[int, list[str]]) -> dict[int, CadreOverdue]:
    """Each cadre with an overdue household, the count and their community (the threshold is the rule's)."""
    if not per_cadre:
        return {}
    community_of = {cadre_id: _community(paths) for cadre_id, paths in per_cadre.items()}
    areas = dict(Area.objects.filter(path__in=set(community_of.values())).values_list("path", "pk"))
    committees = dict(
        Unit.objects.filter(kind=UnitKind.COMMUNITY, area_id__in=list(areas.values()))
        .order_by("pk")
        .values_list("area_id", "pk")
    )  # the oldest committee of a community
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=list(per_cadre))}
    out = {}
    for cadre_id, paths in per_cadre.items():
        area_id = areas.get(community_of[cadre_id])
        out[cadre_id] = CadreOverdue(
            cadre_id,
            names.get(cadre_id, str(cadre_id)),
            len(paths),
            area_id,
            committees.get(area_id) if area_id else None,
        )
    return out


def _ceiling(rule: WarningRule) -> int:
    return int(rule.threshold or DEFAULT_CEILING)


def _finder(found: dict[int, CadreOverdue]) -> Callable[[WarningRule], dict[str, Candidate]]:
    def find(rule: WarningRule) -> dict[str, Candidate]:
        ceiling = _ceiling(rule)
        return {
            f"cadre:{c.cadre_id}": Candidate(
                message=raised_message(VISITS_OVERDUE, cadre=c.name, n=c.n, ceiling=ceiling),
                value=float(c.n),
                unit_id=c.unit_id,
                area_id=c.area_id,
                cadre_id=c.cadre_id,
            )
            for c in found.values()
            if c.n > ceiling
        }

    return find


def sync(
    rows: list[coverage.CoverageRow], today: dt.date, now: dt.datetime | None = None
) -> EvaluationReport:
    """Raise, keep or clear the cadre visits warnings from this sweep's coverage rows; notify on raise."""
    if not WarningRule.objects.filter(active=True, kind=RuleKind.CADRE_VISITS_OVERDUE).exists():
        return EvaluationReport(raised=0, cleared=0, open=0)
    found = cadres_overdue(overdue_by_cadre(rows))
    report, raised = sync_period_warnings(
        kind=RuleKind.CADRE_VISITS_OVERDUE,
        find=_finder(found),
        period=f"{today:%Y-%m}",
        now=now or timezone.now(),
    )
    with transaction.atomic():
        for warning in raised:
            _notify(warning)
    return report


def _notify(warning: RaisedWarning) -> None:
    n = int(warning.value or 0)
    if warning.cadre_id is not None:
        notify_users(
            user_ids=[warning.cadre_id],
            title=_("走访预警：您联系的 {n} 户已超过走访周期，请尽快走访").format(n=n),
            link="/outreach/mine/",
            kind="outreach_warning",
        )
    if warning.unit_id is not None:
        staff = RoleAssignment.objects.filter(role=Role.HANDLER, unit_id=warning.unit_id).values_list(
            "user_id", flat=True
        )
        notify_users(
            user_ids=staff,
            title=_("走访预警：{cadre} 联系的 {n} 户已超过走访周期").format(cadre=warning.cadre, n=n),
            link="/outreach/coverage/",
            kind="outreach_warning",
        )
