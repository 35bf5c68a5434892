"""Where an appeal is: its grid from its coordinates (point-in-polygon against the grids' boundaries)
or, failing that, from its address (the gazetteer, `lianxin.org.gazetteer`).

Boundaries are GeoJSON in `Area.boundary` with a bounding box beside it for a cheap prefilter. On
PostgreSQL with the PostGIS extension the containment test runs in the database (`ST_Intersects`);
everywhere else, and whenever PostGIS is absent or refuses a geometry, it runs in plain Python
(`lianxin.org.geometry`). Both count a point on a boundary as inside.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from . import gazetteer
from .geometry import bbox_of, contains, parse_geometry
from .models import Area, AreaLevel
from .selectors import in_area_subtree

logger = logging.getLogger(__name__)

# Finest first: a grid that holds the point wins over the community around it.
LOCATABLE_LEVELS = (AreaLevel.GRID, AreaLevel.COMMUNITY)


@dataclass(frozen=True)
class Located:
    area: Area | None
    method: str  # "point", "address" or "" (not found)


def set_boundary(area: Area, geometry: dict[str, Any] | None) -> None:
    """Store a checked boundary (or none) and its bounding box. Raises GeometryInvalidError."""
    if geometry is None:
        area.boundary = None
        area.bbox_min_lon = area.bbox_min_lat = area.bbox_max_lon = area.bbox_max_lat = None
    else:
        box = bbox_of(parse_geometry(geometry))
        area.boundary = geometry
        area.bbox_min_lon, area.bbox_min_lat = box.min_lon, box.min_lat
        area.bbox_max_lon, area.bbox_max_lat = box.max_lon, box.max_lat
    area.save(update_fields=["boundary", "bbox_min_lon", "bbox_min_lat", "bbox_max_lon", "bbox_max_lat"])


_postgis: dict[str, bool] = {}


def postgis_available() -> bool:
    """Whether this database has the PostGIS extension (asked once per database alias and process)."""
    if connection.vendor != "postgresql":
        return False
    key = connection.settings_dict.get("NAME") or ""
    if key not in _postgis:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
                _postgis[key] = cursor.fetchone() is not None
        except DatabaseError:
            _postgis[key] = False
    return _postgis[key]


def _candidates(lon: float, lat: float):  # type: ignore[no-untyped-def]
    # the bounding box alone (set with the boundary): a JSON `isnull` would parse every row's JSON on SQLite
    return Area.objects.filter(
        level__in=LOCATABLE_LEVELS,
        bbox_min_lon__lte=lon,
        bbox_max_lon__gte=lon,
        bbox_min_lat__lte=lat,
        bbox_max_lat__gte=lat,
    )


def _finest(areas: list[Area]) -> Area | None:
    for level in LOCATABLE_LEVELS:
        for area in sorted(areas, key=lambda a: a.path):
            if area.level == level:
                return area
    return None


_ST_HOLDS = (
    'ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON("org_area"."boundary"::text), 4326), '
    "ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
)


def _containing_postgis(lon: float, lat: float) -> list[Area] | None:
    """One query: the bounding-box prefilter, then PostGIS on the few rows left."""
    holds = RawSQL(_ST_HOLDS, (lon, lat), output_field=BooleanField())
    try:
        with transaction.atomic():
            return list(_candidates(lon, lat).defer("boundary").annotate(holds=holds).filter(holds=True))
    except DatabaseError:
        logger.warning("PostGIS refused a grid boundary; locating in Python instead", exc_info=True)
        return None


def _containing_python(lon: float, lat: float) -> list[Area]:
    found = []
    for area in _candidates(lon, lat):
        try:
            polygons = parse_geometry(area.boundary)
        except ValueError:
            continue  # imports check boundaries; one set by hand may be broken, and then holds nothing
        if contains(polygons, lon, lat):
            found.append(area)
    return found


def area_at(latitude: float | Decimal, longitude: float | Decimal) -> Area | None:
    """The finest grid (else community) whose boundary holds the point, or None."""
    lon, lat = float(longitude), float(latitude)
    areas = _containing_postgis(lon, lat) if postgis_available() else None
    if areas is None:
        areas = _containing_python(lon, lat)
    return _finest(areas)


def locate(*, latitude: float | Decimal | None, longitude: float | Decimal | None, address: str) -> Located:
    """The grid by point first (the resident's phone knows better than a typed address), then address."""
    if latitude is not None and longitude is not None:
        area = area_at(latitude, longitude)
        if area is not None:
            return Located(area, "point")
    if address:
        area = gazetteer.grid_for_address(address)
        if area is not None:
            return Located(area, "address")
    return Located(None, "")


def refine_area(
    area: Area | None, *, latitude: float | Decimal | None, longitude: float | Decimal | None, address: str
) -> Area | None:
    """Intake's one call: the appeal's area made as fine as its location allows.

    A grid chosen by the resident stays. Otherwise the located area replaces the chosen one when it
    lies inside it (or nothing was chosen); a location outside the chosen area is not trusted over
    the resident's choice. Locating never fails an appeal: an error leaves the area as it was."""
    if area is not None and area.level == AreaLevel.GRID:
        return area
    if latitude is None and longitude is None and not address:
        return area
    try:
        with transaction.atomic():
            found = locate(latitude=latitude, longitude=longitude, address=address).area
    except Exception:
        logger.exception("Locating an appeal failed; it keeps the area it came with")
        return area
    if found is None:
        return area
    if area is None or in_area_subtree(found.path, [area.path]):
        return found
    return area
