"""Who an action notifies: the unit's staff, the dispatchers, the resident."""

from __future__ import annotations

from lianxin.notifications.services import notify_users
from lianxin.org.models import Role, RoleAssignment, Unit, User
from lianxin.org.selectors import in_area_subtree

from ..models import Appeal


def _unit_staff_ids(*units: Unit | None) -> list[int]:
    ids = [u.pk for u in units if u is not None]
    if not ids:
        return []
    return list(
        User.objects.filter(roles__unit_id__in=ids, roles__role=Role.HANDLER, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def _dispatcher_ids(appeal: Appeal, *also: str) -> list[int]:
    """Active dispatchers (and holders of the roles in `also`) whose area covers the appeal's:
    unscoped dispatchers everywhere; area-scoped ones for their area and what lies inside it."""
    roles = (Role.DISPATCHER, *also)
    rows = RoleAssignment.objects.filter(role__in=roles, user__is_active=True).values_list(
        "user_id", "role", "area__path"
    )
    path = appeal.area.path if appeal.area is not None else None
    return sorted(
        {
            user_id
            for user_id, role, area_path in rows
            if (area_path is None and role == Role.DISPATCHER)
            or (area_path and in_area_subtree(path, (area_path,)))
        }
    )


def _staff_link(appeal: Appeal) -> str:
    return f"/staff/appeals/{appeal.pk}/"


def _notify_unit(appeal: Appeal, unit: Unit | None, title: str, kind: str) -> None:
    notify_users(
        user_ids=_unit_staff_ids(unit), title=title, body=appeal.title, link=_staff_link(appeal), kind=kind
    )


def _notify_resident(appeal: Appeal, title: str, kind: str) -> None:
    if appeal.resident_id:
        notify_users(user_ids=[appeal.resident_id], title=title, body=appeal.title, link="/track/", kind=kind)


# --- access codes for anonymous appeals -------------------------------------------------------------
