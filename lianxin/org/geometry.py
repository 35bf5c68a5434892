"""Plain-Python geometry for grid boundaries: GeoJSON polygons and multipolygons, their bounding
boxes, and point-in-polygon by ray casting (holes and several parts included).

No Django here: the module is imported by the locating code and tested on its own. Coordinates are
GeoJSON's `[longitude, latitude]`; a point exactly on an edge or a vertex counts as inside (a
resident standing on the line between two grids gets one of them, never none).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # the outer ring first, then the holes

MAX_VERTICES = 200_000  # one grid's boundary; a bigger one is a mistake (or an attack) in an import


class GeometryInvalidError(ValueError):
    """A geometry that is not a usable GeoJSON Polygon/MultiPolygon; the message says why."""


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeometryInvalidError(f"a coordinate is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise GeometryInvalidError("a coordinate is not finite")
    return number


def _ring(raw: Any) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise GeometryInvalidError("a ring needs at least 4 positions (the first repeated at the end)")
    ring: Ring = []
    for position in raw:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise GeometryInvalidError(f"a position is not [longitude, latitude]: {position!r}"[:200])
        lon, lat = _number(position[0]), _number(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryInvalidError(f"position out of range (longitude, latitude): {lon}, {lat}")
        ring.append((lon, lat))
    if ring[0] != ring[-1]:
        raise GeometryInvalidError("a ring is not closed: its last position must repeat its first")
    if len(set(ring)) < 3:
        raise GeometryInvalidError("a ring encloses no area (fewer than 3 distinct positions)")
    return ring


def _polygon(raw: Any) -> Polygon:
    if not isinstance(raw, list) or not raw:
        raise GeometryInvalidError("a polygon needs at least its outer ring")
    return [_ring(ring) for ring in raw]


def parse_geometry(geometry: Any) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon geometry (or a Feature holding one), checked;
    raises GeometryInvalidError."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")  # a boundary stored as a whole Feature (see org.directory)
    if not isinstance(geometry, dict):
        raise GeometryInvalidError("the geometry is not a GeoJSON object")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates)]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryInvalidError("a MultiPolygon needs at least one polygon")
        polygons = [_polygon(p) for p in coordinates]
    else:
        raise GeometryInvalidError(
            f"geometry type {kind!r} is not a boundary; use Polygon or MultiPolygon"[:200]
        )
    if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_VERTICES:
        raise GeometryInvalidError(f"more than {MAX_VERTICES} positions; simplify the boundary")
    return polygons


def bbox_of(polygons: Sequence[Polygon]) -> BBox:
    lons = [lon for polygon in polygons for lon, _ in polygon[0]]
    lats = [lat for polygon in polygons for _, lat in polygon[0]]
    return BBox(min(lons), min(lats), max(lons), max(lats))


def _on_segment(lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> bool:
    (x1, y1), (x2, y2) = a, b
    cross = (x2 - x1) * (lat - y1) - (y2 - y1) * (lon - x1)
    if abs(cross) > 1e-12:
        return False
    return (
        min(x1, x2) - 1e-12 <= lon <= max(x1, x2) + 1e-12
        and min(y1, y2) - 1e-12 <= lat <= max(y1, y2) + 1e-12
    )


def ring_position(lon: float, lat: float, ring: Ring) -> int:
    """1 inside the ring, 0 on its edge, -1 outside (ray casting towards +longitude)."""
    inside = False
    for i in range(len(ring) - 1):
        a, b = ring[i], ring[i + 1]
        if _on_segment(lon, lat, a, b):
            return 0
        (x1, y1), (x2, y2) = a, b
        # half-open rule on latitude: a vertex on the ray is counted once, a horizontal edge never
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return 1 if inside else -1


def polygon_contains(lon: float, lat: float, polygon: Polygon) -> bool:
    """Inside the outer ring (or on it) and not strictly inside a hole (a hole's edge is inside)."""
    if ring_position(lon, lat, polygon[0]) < 0:
        return False
    return all(ring_position(lon, lat, hole) <= 0 for hole in polygon[1:])


def contains(polygons: Sequence[Polygon], lon: float, lat: float) -> bool:
    return any(polygon_contains(lon, lat, polygon) for polygon in polygons)


def geometry_contains(geometry: Any, lon: float, lat: float) -> bool:
    """Whether a GeoJSON Polygon/MultiPolygon holds the point; a broken geometry holds nothing."""
    try:
        polygons = parse_geometry(geometry)
    except GeometryInvalidError:
        return False
    return bbox_of(polygons).contains(lon, lat) and contains(polygons, lon, lat)
