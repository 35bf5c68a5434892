"""The coverage sweep: tell each cadre once which of their households became overdue, and the grid
workers which overdue households have no cadre (a gap in the contact network); raise and clear the
supervision warnings for cadres with too many overdue households (`cadre_warnings`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.notifications.services import notify_users
from lianxin.org.models import Role, RoleAssignment

from . import cadre_warnings, coverage, rollups
from .models import AssignmentKind, ContactAssignment, Household, OverdueNotice

logger = logging.getLogger(__name__)
NOTICE_BATCH = 5000


def _newly_overdue(rows: list[coverage.CoverageRow]) -> list[coverage.CoverageRow]:
    """The overdue rows nobody was told about yet for this due date; records that they now are.
    Batched: a district has tens of thousands of overdue households on a bad day."""
    overdue = [r for r in rows if r.state == coverage.State.OVERDUE]
    fresh = []
    for start in range(0, len(overdue), NOTICE_BATCH):
        batch = overdue[start : start + NOTICE_BATCH]
        told = set(
            OverdueNotice.objects.filter(household_id__in=[r.household_id for r in batch]).values_list(
                "household_id", "due_on"
            )
        )
        new = [r for r in batch if (r.household_id, r.due_on) not in told]
        # ignore_conflicts: a sweep running at the same moment may have told them already
        OverdueNotice.objects.bulk_create(
            [OverdueNotice(household_id=r.household_id, due_on=r.due_on) for r in new], ignore_conflicts=True
        )
        fresh.extend(new)
    return fresh


def sweep_coverage(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    every = coverage.coverage_rows(Household.objects.all(), today)
    rollups.refresh(every, today)
    rows = _newly_overdue(every)
    by_household = {r.household_id: r for r in rows}
    per_cadre: dict[int, int] = defaultdict(int)
    assigned: set[int] = set()
    for cadre_id, household_id in ContactAssignment.objects.filter(
        kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True, household_id__in=list(by_household)
    ).values_list("cadre_id", "household_id"):
        per_cadre[cadre_id] += 1
        assigned.add(household_id)
    with transaction.atomic():
        by_count: dict[int, list[int]] = defaultdict(list)  # one delivery per distinct message
        for cadre_id, n in per_cadre.items():
            by_count[n].append(cadre_id)
        for n, cadre_ids in sorted(by_count.items()):
            notify_users(
                user_ids=cadre_ids,
                title=_("走访提醒：{n} 户已超过走访周期").format(n=n),
                link="/outreach/mine/",
                kind="outreach_overdue",
            )
        gaps: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.household_id not in assigned:
                gaps[row.grid_path] += 1
        for grid_path, n in gaps.items():
            workers = RoleAssignment.objects.filter(
                role=Role.GRID_WORKER, area__path__in=_ancestors(grid_path)
            )
            notify_users(
                user_ids=workers.values_list("user_id", flat=True),
                title=_("走访缺口：{n} 户超期且没有联系干部").format(n=n),
                link="/outreach/households/",
                kind="outreach_gap",
            )
    try:  # after the notices above, which must not wait on (or be lost with) the warnings
        warnings = cadre_warnings.sync(every, today)
    except Exception:
        logger.exception("Raising the cadre visits warnings failed")
        warnings = cadre_warnings.EvaluationReport(raised=0, cleared=0, open=0)
    counts = {
        "overdue_new": len(rows),
        "cadres_notified": len(per_cadre),
        "unassigned": len(rows) - len(assigned),
    }
    if warnings.raised or warnings.cleared:
        counts |= {"warnings_raised": warnings.raised, "warnings_cleared": warnings.cleared}
    if rows or warnings.raised or warnings.cleared:
        logger.info("Coverage sweep: %s", counts)
    return counts


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
