"""`/api/v1/outreach/...`: households (those the caller may see, masked unless revealed and audited),
visits (create, list), coverage. Handlers parse, authorise through the selectors, call services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path, Query

from lianxin.api.auth import STAFF_AUTH, caller
from lianxin.api.schemas import CODE_MAX, NO_NUL, ErrorOut
from lianxin.core.errors import NotFoundError
from lianxin.org.models import Area, User

from . import privacy, selectors
from .models import Household, Visit
from .services import ConcernInput, FollowUpInput, VisitInput, visit_log

router = Router(tags=["outreach"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), ErrorOut)
ID_MAX = 2**53
HouseholdId = Path(..., ge=1, le=ID_MAX, description="Household id.")


class MemberOut(Schema):
    id: int
    relation: str
    name: str
    phone: str
    id_number: str
    masked: bool


class HouseholdOut(Schema):
    id: int
    grid: str
    grid_name: str
    door: str
    groups: list[str]


class HouseholdDetailOut(HouseholdOut):
    address_detail: str
    members: list[MemberOut]


class ConcernIn(Schema):
    text: str = Field(..., min_length=1, max_length=500, pattern=NO_NUL)
    category: str = Field("", max_length=CODE_MAX, pattern=NO_NUL)
    solved_on_spot: bool = False


class FollowUpIn(Schema):
    text: str = Field(..., min_length=1, max_length=300, pattern=NO_NUL)
    due_on: dt.date


class VisitIn(Schema):
    household: int = Field(..., ge=1, le=ID_MAX)
    visited_on: dt.date
    said: str = Field("", max_length=2000, pattern=NO_NUL)
    companions: str = Field("", max_length=200, pattern=NO_NUL)
    concerns: list[ConcernIn] = Field(default_factory=list, max_length=20)
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=20)
    client_ref: str = Field(
        "", max_length=64, pattern=NO_NUL, description="The draft's id: a retry is one visit."
    )


class ConcernOut(Schema):
    id: int
    text: str
    category: str | None
    solved_on_spot: bool
    appeal: str | None
    appeal_status: str | None


class VisitOut(Schema):
    id: int
    household: int
    visited_on: dt.date
    said: str
    concerns: list[ConcernOut]
    created: bool = False


def _user(request: HttpRequest) -> User:
    user = caller(request)
    assert user is not None  # STAFF_AUTH
    return user


def _household_out(h: Household) -> dict[str, Any]:
    return {
        "id": h.pk,
        "grid": h.grid.code,
        "grid_name": h.grid.name,
        "door": h.door_label(),
        "groups": [g.group for g in h.groups.all()],
    }


def _visit_out(v: Visit, created: bool = False) -> dict[str, Any]:
    return {
        "id": v.pk,
        "household": v.household_id,
        "visited_on": v.visited_on,
        "said": v.said,
        "created": created,
        "concerns": [
            {
                "id": c.pk,
                "text": c.text,
                "category": c.category.code if c.category else None,
                "solved_on_spot": c.solved_on_spot,
                "appeal": c.appeal.tracking_number if c.appeal else None,
                "appeal_status": c.appeal.status if c.appeal else None,
            }
            for c in v.concerns.select_related("category", "appeal")
        ],
    }


@router.get(
    "/outreach/households",
    auth=STAFF_AUTH,
    response={200: list[HouseholdOut], **ERRORS},
    summary="Households the caller may see (no personal data)",
)
def households(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
    grid: str = Query("", max_length=CODE_MAX, pattern=NO_NUL),
) -> list[dict[str, Any]]:
    qs = selectors.households_visible_to(_user(request)).prefetch_related("groups").order_by("pk")
    if grid:
        qs = qs.filter(grid__code=grid)
    return [_household_out(h) for h in qs[offset : offset + limit]]


@router.get(
    "/outreach/households/{pk}",
    auth=STAFF_AUTH,
    response={200: HouseholdDetailOut, **ERRORS},
    summary="One household, members masked",
)
def household(request: HttpRequest, pk: int = HouseholdId) -> dict[str, Any]:
    user = _user(request)
    h = selectors.household_get_for_user(user, pk)
    members = privacy.members_for(user, h)
    return {
        **_household_out(h),
        "address_detail": privacy.address_for(user, h, revealed=False),
        "members": [m.__dict__ for m in members],
    }


@router.post(
    "/outreach/households/{pk}/reveal",
    auth=STAFF_AUTH,
    response={200: HouseholdDetailOut, **ERRORS},
    summary="One household with members' personal data (audited; need-to-know roles only)",
)
def household_reveal(
    request: HttpRequest, pk: int = HouseholdId, purpose: str = Query("", max_length=50, pattern=NO_NUL)
) -> dict[str, Any]:
    from . import policy

    user = _user(request)
    h = selectors.household_get_for_user(user, pk, policy.Action.VIEW_PERSONAL)
    members = privacy.members_for(user, h, reveal=True, purpose=purpose or "api")
    return {
        **_household_out(h),
        "address_detail": privacy.address_for(user, h, revealed=True),
        "members": [m.__dict__ for m in members],
    }


@router.get(
    "/outreach/visits",
    auth=STAFF_AUTH,
    response={200: list[VisitOut], **ERRORS},
    summary="Visits: the caller's own, or of one household the caller may see",
)
def visits(
    request: HttpRequest,
    household: int | None = Query(None, ge=1, le=ID_MAX),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    user = _user(request)
    if household is not None:
        h = selectors.household_get_for_user(user, household)
        qs = h.visits.all()
    else:
        qs = Visit.objects.filter(cadre=user)
    return [_visit_out(v) for v in qs.order_by("-visited_on", "-pk")[:limit]]


@router.post(
    "/outreach/visits",
    auth=STAFF_AUTH,
    response={201: VisitOut, 200: VisitOut, **ERRORS},
    summary="Log a visit (idempotent per client_ref)",
)
def visit_create(request: HttpRequest, payload: VisitIn) -> HttpStatus[Any]:
    data = VisitInput(
        household_id=payload.household,
        visited_on=payload.visited_on,
        said=payload.said,
        companions=payload.companions,
        client_ref=payload.client_ref,
        concerns=[
            ConcernInput(text=c.text, category_code=c.category, solved_on_spot=c.solved_on_spot)
            for c in payload.concerns
        ],
        follow_ups=[FollowUpInput(text=f.text, due_on=f.due_on) for f in payload.follow_ups],
    )
    visit, created = visit_log(actor=_user(request), data=data)
    return HttpStatus(201 if created else 200, _visit_out(visit, created))


@router.get(
    "/outreach/coverage",
    auth=STAFF_AUTH,
    response={200: dict[str, Any], **ERRORS},
    summary="Coverage: share of households visited in time, per area and cadre, by group",
)
def coverage(
    request: HttpRequest,
    area: str = Query("", max_length=CODE_MAX, pattern=NO_NUL),
    level: str = Query("community", max_length=9, pattern="^(street|community|grid)$"),
) -> dict[str, Any]:
    user = _user(request)
    target = None
    if area:
        target = Area.objects.filter(code=area).first()
        if target is None:
            raise NotFoundError(_("区域不存在或您无权查看其走访覆盖情况。"))
    from . import policy

    if policy.coverage_area_paths(user) == ():
        raise NotFoundError(_("区域不存在或您无权查看其走访覆盖情况。"))
    board = selectors.coverage_dashboard(user, area=target, level=level, today=timezone.localdate())
    return {
        "computed_at": board["computed_at"],  # None: computed live; else the hourly rollup's time
        "total": board["total"].as_dict(),
        "cadre_count": board["cadre_count"],  # "cadres" lists the 50 with the lowest share in time
        "areas": [{"path": p, "name": n, **t.as_dict()} for p, n, t in board["areas"]],
        "cadres": [{"id": pk, "name": n, **t.as_dict()} for pk, n, t in board["cadres"]],
    }
