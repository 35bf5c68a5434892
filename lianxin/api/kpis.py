"""The KPI API (`/api/v1/kpis`): the figures the supervision dashboards show, for a period and a
slice, scoped by the caller (overseers: their jurisdiction; a unit's staff: their unit), and the
cadre figures. Definitions: docs/kpis.md."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Query
from pydantic import create_model

from lianxin.supervision import policy, selectors
from lianxin.supervision.models import COUNTERS
from lianxin.supervision.selectors import KpiFigures, Period

from . import schemas as s
from .auth import STAFF_AUTH, caller

router = Router(tags=["kpis"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404), s.ErrorOut)
PERIOD_MAX = 30  # "2026-05-01..2026-05-31" is 22 characters

_fields: dict[str, Any] = dict.fromkeys(COUNTERS, (int, ...))
_fields["false_closures"] = (int, ...)
_fields.update(dict.fromkeys(KpiFigures.RATES, (float | None, None)))
FiguresOut = create_model("KpiFiguresOut", __base__=Schema, **_fields)
FiguresOut.__doc__ = "Counters, and rates as fractions 0..1 (null when the denominator is empty)."


class KpisOut(Schema):
    period: str
    start: str
    end: str
    figures: FiguresOut  # type: ignore[valid-type]


class CadreOut(Schema):
    user_id: int
    name: str
    unit_id: int
    unit: str
    handled: int
    handled_on_time: int
    on_time_rate: float | None
    accepted: int
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    returned: int
    returned_unjustified: int
    contacted: int


class CadresOut(Schema):
    period: str
    cadres: list[CadreOut]


def _period(text: str) -> Period:
    return Period.parse(text)


PeriodQuery = Query(
    "",
    max_length=PERIOD_MAX,
    pattern=s.NO_NUL,
    description=(
        "`2026-05` (month), `2026-Q2` (quarter) or `2026-05-01..2026-05-31` (days, at most two years); "
        "empty: this month."
    ),
)


@router.get(
    "/kpis", auth=STAFF_AUTH, response={200: KpisOut, **ERRORS}, summary="KPI figures for a period and scope"
)
def kpis(
    request: HttpRequest,
    period: str = PeriodQuery,
    area: str = Query(
        "", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Area code inside your jurisdiction."
    ),
    unit: str = Query(
        "", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Unit code (a unit's staff: theirs)."
    ),
    category: str = Query(
        "", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Category code (and its subtree)."
    ),
) -> dict[str, Any]:
    slc = policy.caller_slice(caller(request), area=area, unit=unit, category=category)
    p = _period(period)
    figures = selectors.kpis(p, slc)
    last = p.end.toordinal() - 1
    return {
        "period": p.label,
        "start": p.start.isoformat(),
        "end": type(p.start).fromordinal(last).isoformat(),
        "figures": figures.as_dict(),
    }


@router.get(
    "/kpis/cadres", auth=STAFF_AUTH, response={200: CadresOut, **ERRORS}, summary="Cadre figures per handler"
)
def cadres(
    request: HttpRequest,
    period: str = PeriodQuery,
    unit: str = Query("", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Only this unit's cadres."),
) -> dict[str, Any]:
    unit_ids = policy.cadre_unit_ids(caller(request), unit_code=unit)
    p = _period(period)
    return {"period": p.label, "cadres": [row.as_dict() for row in selectors.cadre_figures(p, unit_ids)]}
