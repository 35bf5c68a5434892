"""Cadre figures (承办人): per handler, the appeals handled, on time, the satisfaction with them and
their returns, from the cadre table (month × unit × user). Who may see whose: `policy.cadre_units`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.org.models import Unit, User

from ..models import COUNTERS, KpiCadreMonthly
from .figures import KpiFigures
from .periods import Period


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
        raise ValidationFailedError(
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
        out.append(
            CadreRow(
                row["user_id"],
                users.get(row["user_id"], "—"),
                row["unit_id"],
                units.get(row["unit_id"], "—"),
                figures,
            )
        )
    out.sort(key=lambda r: (r.unit, -r.figures.replied, r.name))
    return out
