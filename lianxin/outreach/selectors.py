"""Reads: households a user may see, a cadre's households/visits/follow-ups, coverage dashboards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.crypto import id_number_lookup_hash, phone_lookup_hash
from lianxin.core.errors import NotFoundError
from lianxin.org.models import Area, User
from lianxin.org.selectors import area_subtree_q

from . import coverage, policy, rollups
from .models import AssignmentKind, ContactAssignment, FollowUp, Household, Member, SpecialGroup, Visit

NOT_FOUND = "住户不存在或您无权查看。"


def households_visible_to(user: User | None, action: str = policy.Action.VIEW) -> QuerySet[Household]:
    return Household.objects.filter(policy.households_visible_q(user, action)).select_related("grid")


def household_get_for_user(user: User | None, pk: int, action: str = policy.Action.VIEW) -> Household:
    """The household, if `user` may act on it; the same 404 for absent and not yours."""
    household = households_visible_to(user, action).filter(pk=pk).first()
    if household is None:
        raise NotFoundError(_(NOT_FOUND))
    return household


def households_by_identifier(user: User, *, phone: str = "", id_number: str = "") -> QuerySet[Household]:
    """Households with a member of exactly this phone or ID number (keyed-hash lookup), among those
    whose personal data `user` may see. Each search is written to the audit log (the digest, never
    the number)."""
    from lianxin.audit.services import AuditAction, audit_append

    members = Member.objects.none()
    if phone:
        members = Member.objects.filter(phone_hash=phone_lookup_hash(phone))
    elif id_number:
        members = Member.objects.filter(id_hash=id_number_lookup_hash(id_number))
    if phone or id_number:
        digest = phone_lookup_hash(phone) if phone else id_number_lookup_hash(id_number)
        audit_append(
            action=AuditAction.PERSONAL_DATA_VIEW,
            object_type="household_search",
            object_id=digest[:16],
            actor=user,
            data={"by": "phone" if phone else "id_number"},
        )
    return households_visible_to(user, policy.Action.VIEW_PERSONAL).filter(
        pk__in=members.values("household_id")
    )


def group_labels(household: Household) -> list[str]:
    labels = dict(SpecialGroup.choices)
    return [str(labels[g.group]) for g in household.groups.all() if g.group in labels]


@dataclass(frozen=True)
class HouseholdLine:
    household: Household
    row: coverage.CoverageRow
    groups: list[str]


def my_households(user: User, today: dt.date) -> list[HouseholdLine]:
    """The cadre's open 联系户, overdue first, then by due date; special groups listed."""
    ids = ContactAssignment.objects.filter(
        cadre=user, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
    ).values("household_id")
    households = Household.objects.filter(pk__in=ids).select_related("grid").prefetch_related("groups")
    rows = {r.household_id: r for r in coverage.coverage_rows(households, today)}
    lines = [HouseholdLine(h, rows[h.pk], group_labels(h)) for h in households if h.pk in rows]
    order = {coverage.State.OVERDUE: 0, coverage.State.DUE_SOON: 1, coverage.State.OK: 2}
    return sorted(lines, key=lambda line: (order[line.row.state], line.row.due_on, not line.groups))


def my_visits(user: User, limit: int = 100) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(cadre=user)
        .select_related("household__grid")
        .prefetch_related("concerns__appeal", "follow_ups")[:limit]
    )


def my_follow_ups(user: User) -> QuerySet[FollowUp]:
    """Open follow-ups the user promised, soonest first."""
    return (
        FollowUp.objects.filter(visit__cadre=user, done_on__isnull=True)
        .select_related("visit__household__grid")
        .order_by("due_on", "pk")
    )


def visits_visible_to(user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(household__in=households_visible_to(user)).select_related(
        "household__grid", "cadre"
    )


def my_points(user: User) -> QuerySet[ContactAssignment]:
    return ContactAssignment.objects.filter(
        cadre=user, kind=AssignmentKind.POINT, ended_on__isnull=True
    ).select_related("area", "unit")


def point_summary(point: ContactAssignment, today: dt.date) -> dict[str, object]:
    """A 联系点 at a glance: households, overdue visits, open appeals, recent concerns."""
    from lianxin.appeals.models import OPEN_STATUSES, Appeal

    from .models import Concern

    area = point.area
    if area is None:
        return {"point": point, "tally": coverage.Tally(), "open_appeals": 0, "recent_concerns": []}
    households = coverage.households_under((area.path,))
    tally = coverage.Tally()
    for row in coverage.coverage_rows(households, today):
        tally.add(row)
    open_appeals = Appeal.objects.filter(area_subtree_q((area.path,)), status__in=OPEN_STATUSES).count()
    concerns = list(
        Concern.objects.filter(visit__household__in=households)
        .select_related("visit__household", "category", "appeal")
        .order_by("-visit__visited_on", "-pk")[:10]
    )
    return {"point": point, "tally": tally, "open_appeals": open_appeals, "recent_concerns": concerns}


LEVEL_DEPTH = {"street": 2, "community": 3, "grid": 4}


def coverage_dashboard(user: User, *, area: Area | None, level: str, today: dt.date) -> dict[str, Any]:
    """Coverage of the households under `area` (or all the user may see), rolled up per area at
    `level` and per cadre. Raises NotFoundError when the user may not see that area's coverage."""
    paths = policy.coverage_area_paths(user)
    if area is not None and not policy.may_see_coverage(user, area.path):
        raise NotFoundError(_("区域不存在或您无权查看其走访覆盖情况。"))
    roots = [area.path] if area is not None else (None if paths is None else rollups.outermost(paths))
    snapshot = None
    if today == timezone.localdate() and roots != []:
        snapshot = rollups.read(today, roots=roots, depth=LEVEL_DEPTH.get(level, 3))
    if snapshot is not None:
        total, by_area, by_cadre = snapshot.total, snapshot.areas, snapshot.cadres
        cadre_count = snapshot.cadre_count
    else:
        households = Household.objects.all() if roots is None else coverage.households_under(tuple(roots))
        rows = coverage.coverage_rows(households, today)
        total = coverage.Tally()
        for row in rows:
            total.add(row)
        by_area = coverage.rollup_by_area(rows, LEVEL_DEPTH.get(level, 3))
        by_cadre = coverage.rollup_by_cadre(rows)
        cadre_count = len(by_cadre)
        worst = sorted(by_cadre.items(), key=lambda x: (x[1].share if x[1].share is not None else 1, x[0]))
        by_cadre = dict(worst[: rollups.CADRE_LIMIT])
    names = coverage.area_names(by_area)
    cadres = {
        pk: name or username
        for pk, name, username in User.objects.filter(pk__in=list(by_cadre)).values_list(
            "pk", "display_name", "username"
        )
    }
    return {
        "computed_at": snapshot.computed_at if snapshot is not None else None,
        "total": total,
        "cadre_count": cadre_count,
        "areas": sorted(
            ((path, names.get(path, path), t) for path, t in by_area.items()), key=lambda x: x[0]
        ),
        "cadres": sorted(
            ((pk, cadres.get(pk, str(pk)), t) for pk, t in by_cadre.items()),
            key=lambda x: (x[2].share if x[2].share is not None else 1, x[1]),
        ),
    }
