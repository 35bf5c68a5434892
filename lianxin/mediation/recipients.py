"""Who is told about a case: the intake staff and supervisors over its area."""

from __future__ import annotations

from lianxin.org.models import Role, RoleAssignment
from lianxin.org.selectors import in_area_subtree

from .models import MediationCase


def staff_link(case: MediationCase) -> str:
    return f"/mediation/staff/{case.pk}/"


def oversight_ids(case: MediationCase) -> list[int]:
    """Active dispatchers and supervisors whose area covers the case's community (the community's
    and street's people as well as the district's), and unscoped dispatchers."""
    rows = RoleAssignment.objects.filter(
        role__in=(Role.DISPATCHER, Role.SUPERVISOR), user__is_active=True
    ).values_list("user_id", "role", "area__path")
    path = case.area.path
    return sorted(
        {
            user_id
            for user_id, role, area_path in rows
            if (area_path is None and role == Role.DISPATCHER)
            or (area_path and in_area_subtree(path, (area_path,)))
        }
    )
