"""Reference lists for clients: categories, areas and units as flat, tree-friendly lists (each row
names its parent's code and its path), and `/me` for checking a token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Query

from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind
from lianxin.org.selectors import scope_of

from . import schemas as s
from .auth import STAFF_AUTH, caller

router = Router(tags=["reference"])


@router.get("/categories", response=list[s.CategoryOut], summary="Category tree (flat, by path)")
def categories(
    request: HttpRequest,
    parent: str = Query(
        "", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Only the children of this category code."
    ),
    level: int | None = Query(None, ge=1, le=3, description="Only this level (1 top to 3)."),
) -> list[dict[str, Any]]:
    qs = Category.objects.filter(active=True).select_related("parent").order_by("path")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level is not None:
        qs = qs.filter(level=level)
    return [
        {
            "code": c.code,
            "name": c.name,
            "parent": c.parent.code if c.parent else None,
            "level": c.level,
            "path": c.path,
        }
        for c in qs
    ]


@router.get("/areas", response=list[s.AreaOut], summary="Area tree (flat, by path)")
def areas(
    request: HttpRequest,
    parent: str = Query(
        "", max_length=s.CODE_MAX, pattern=s.NO_NUL, description="Only the children of this area code."
    ),
    level: AreaLevel | None = Query(None, description="Only this level."),  # noqa: B008
) -> list[dict[str, Any]]:
    qs = Area.objects.select_related("parent").order_by("path")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level is not None:
        qs = qs.filter(level=level)
    return [
        {
            "code": a.code,
            "name": a.name,
            "parent": a.parent.code if a.parent else None,
            "level": a.level,
            "path": a.path,
        }
        for a in qs
    ]


@router.get("/units", response=list[s.UnitOut], summary="Handling units")
def units(
    request: HttpRequest,
    kind: UnitKind | None = Query(None, description="Only units of this kind."),  # noqa: B008
) -> list[dict[str, Any]]:
    qs = Unit.objects.filter(active=True).select_related("area").order_by("code")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return [{"code": u.code, "name": u.name, "kind": u.kind, "area": u.area.code} for u in qs]


@router.get(
    "/me", auth=STAFF_AUTH, response={200: s.MeOut, 401: s.ErrorOut, 403: s.ErrorOut}, summary="Who am I"
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    assert user is not None
    scope = scope_of(user)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(scope.roles),
        "units": sorted(Unit.objects.filter(pk__in=scope.unit_ids).values_list("code", flat=True)),
        "areas": list(scope.area_paths),
    }
