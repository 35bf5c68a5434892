"""A per-process snapshot of the organisation's reference data (areas, grid boundaries, unit and
category names, each area's street), for pages that look them up many times (the supervision
dashboard, reports). Reloaded when an area, category or unit is saved or deleted (see
`lianxin.core.memo`; connected in `OrgConfig.ready`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lianxin.core.memo import ProcessMemo

from .models import Area, AreaLevel, Category, Unit

POLYGONS = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Directory:
    areas: dict[int, Area]
    """Every area without its boundary (pk, code, name, path, level, parent_id)."""
    street_of: dict[int, int]
    """Area id → the id of its street (the area itself at street level or above)."""
    grid_shapes: tuple[tuple[int, str, dict[str, Any]], ...]
    """(id, name, GeoJSON geometry) of every grid with a usable boundary, by id."""
    unit_names: dict[int, str]
    category_names: dict[int, str]

    def area_names(self) -> dict[int, str]:
        return {pk: area.name for pk, area in self.areas.items()}


def _load() -> Directory:
    areas = {a.pk: a for a in Area.objects.only("pk", "code", "name", "path", "level", "parent_id")}
    by_code = {a.code: a.pk for a in areas.values()}
    street_of = {}
    for pk, area in areas.items():
        codes = area.path.split("/")
        street_of[pk] = by_code.get(codes[1], pk) if len(codes) > 1 else pk
    shapes = []
    grids = Area.objects.filter(level=AreaLevel.GRID).exclude(boundary=None).order_by("pk")
    for pk, name, boundary in grids.values_list("pk", "name", "boundary"):
        geometry = boundary.get("geometry", boundary) if isinstance(boundary, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") in POLYGONS and geometry.get("coordinates"):
            shapes.append((pk, name, geometry))
    return Directory(
        areas=areas,
        street_of=street_of,
        grid_shapes=tuple(shapes),
        unit_names=dict(Unit.objects.values_list("pk", "name")),
        category_names=dict(Category.objects.values_list("pk", "name")),
    )


memo: ProcessMemo[Directory] = ProcessMemo("org-directory", _load)


def current() -> Directory:
    """The snapshot, reloaded if the organisation changed since it was taken."""
    return memo.get()


def changed() -> None:
    """Make every process reload the snapshot (after changes that send no signal)."""
    memo.changed()


def connect() -> None:
    memo.connect(Area, Category, Unit)
