"""Cadre figures (承办人): per handler, the appeals handled, on time, the satisfaction with them and
their returns, from the cadre table (month × unit × user). Who may see whose: `cadre_units`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden, NotFound, ValidationFailed
from lianxin.org.models import Role, Unit, User
from lianxin.org.selectors import area_subtree_q, scope_of

from ..models import COUNTERS, KpiCadreMonthly
from .figures import KpiFigures
from .periods import Period


def cadre_units(user: User | None) -> frozenset[int] | None:
    """The units whose cadres the user may see: every unit (None) for admins; the units in the
    jurisdiction of supervisors and leaders; the units a unit leader (a leader role on a unit)
    leads. Anyone else is refused."""
    scope = scope_of(user)
    if scope.has(Role.ADMIN):
        return None
    units = set(scope.units_for(Role.LEADER))
    areas = scope.areas_for(Role.SUPERVISOR, Role.LEADER)
    if areas:
        units |= set(Unit.objects.filter(area_subtree_q(areas)).values_list("pk", flat=True))
    if not units and not areas:
        raise Forbidden(_("承办人考核仅对督查员、领导、单位负责人和管理员开放。"))
    return frozenset(units)


def cadre_unit_ids(user: User | None, *, unit_code: str = "", unit_id: int | None = None) -> frozenset[int] | None:
    """`cadre_units`, narrowed to one unit (by code or id) that the user may see; 404 otherwise."""
    allowed = cadre_units(user)
    if not unit_code and unit_id is None:
        return allowed
    qs = Unit.objects.filter(code=unit_code) if unit_code else Unit.objects.filter(pk=unit_id or 0)
    found = qs.first()
    if found is None or (allowed is not None and found.pk not in allowed):
        raise NotFound(_("没有找到该单位，或它不在您的查看范围内。"))
    return frozenset({found.pk})


@dataclass
class CadreRow:
    user_id: int
    name: str
    unit_id: int
    unit: str
    figures: KpiFigures

    def as_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "user_id": self.user_id,
            "name": self.name,
            "unit_id": self.unit_id,
            "unit": self.unit,
            "handled": f.replied,
            "handled_on_time": f.replied_on_time,
            "on_time_rate": f.on_time_rate,
            "accepted": f.accepted,
            "rated": f.rated,
            "satisfied": f.satisfied + f.basic,
            "satisfaction_rate": f.satisfaction_rate,
            "returned": f.returned,
            "returned_unjustified": f.returned_unjustified,
            "contacted": f.responded,
        }


def cadre_figures(period: Period, unit_ids: frozenset[int] | None = None) -> list[CadreRow]:
    """Figures per handler and unit for whole months (the cadre table is kept by month); a handler
    of two units has a row for each. Sorted by unit, then by appeals handled."""
    if not period.whole_months:
        raise ValidationFailed(
            _("承办人考核按整月统计：请用 2026-05（月）或 2026-Q2（季度）这样的统计周期。"), field="period"
        )
    qs = KpiCadreMonthly.objects.filter(month__gte=period.start, month__lt=period.end)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    values: Any = qs.values("unit_id", "user_id")
    rows: list[dict[str, Any]] = list(values.annotate(**{c: Sum(c) for c in COUNTERS}).order_by())
    users = {u.pk: str(u) for u in User.objects.filter(pk__in={r["user_id"] for r in rows})}
    units = dict(Unit.objects.filter(Q(pk__in={r["unit_id"] for r in rows})).values_list("pk", "name"))
    out = []
    for row in rows:
        figures = KpiFigures()
        figures.add(row)
        out.append(CadreRow(row["user_id"], users.get(row["user_id"], "—"), row["unit_id"],
                            units.get(row["unit_id"], "—"), figures))
    out.sort(key=lambda r: (r.unit, -r.figures.replied, r.name))
    return out
