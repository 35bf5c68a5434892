"""Importing grid boundaries from a GeoJSON FeatureCollection (a shapefile exported as GeoJSON
works): each feature's property (`code` unless told otherwise) names the area it bounds.

`boundaries_import(..., dry_run=True)` is the preview: what would be added, changed or stay the
same, and which features match no area or carry no usable geometry (with the reason). A real run
writes the matched boundaries in one transaction; bad features are skipped and listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from .geometry import GeometryInvalidError, parse_geometry
from .locating import set_boundary
from .models import Area

MAX_FEATURES = 20_000


class BoundaryFileInvalidError(ValueError):
    """The file as a whole is unusable (not JSON, not a FeatureCollection)."""


@dataclass
class Skipped:
    feature: int  # 1-based position in the collection
    code: str
    reason: str


@dataclass
class BoundaryReport:
    added: list[str] = field(default_factory=list)  # areas that had no boundary
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.added) + len(self.changed)


def _features(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BoundaryFileInvalidError(f"not JSON: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise BoundaryFileInvalidError("not a GeoJSON FeatureCollection (type and features)")
    if len(data["features"]) > MAX_FEATURES:
        raise BoundaryFileInvalidError(f"more than {MAX_FEATURES} features; split the file")
    features: list[Any] = data["features"]
    return features


def boundaries_import(*, text: str, code_property: str = "code", dry_run: bool) -> BoundaryReport:
    features = _features(text)
    report = BoundaryReport()
    seen: dict[str, int] = {}
    matched: list[tuple[Area, dict[str, Any]]] = []
    raw_codes = []
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        value = props.get(code_property) if isinstance(props, dict) else None
        raw_codes.append(str(value).strip() if value not in (None, "") else "")
    areas = {a.code: a for a in Area.objects.filter(code__in=[c for c in raw_codes if c])}
    for number, (feature, code) in enumerate(zip(features, raw_codes, strict=True), start=1):
        if not code:
            report.skipped.append(Skipped(number, "", f"no property {code_property!r} naming the area"))
            continue
        area = areas.get(code)
        if area is None:
            report.skipped.append(Skipped(number, code, "no area has this code"))
            continue
        if code in seen:
            report.skipped.append(Skipped(number, code, f"the same area as feature {seen[code]}"))
            continue
        geometry = feature.get("geometry")
        try:
            parse_geometry(geometry)
        except GeometryInvalidError as exc:
            report.skipped.append(Skipped(number, code, str(exc)))
            continue
        seen[code] = number
        target = (
            report.added
            if area.boundary is None
            else (report.unchanged if area.boundary == geometry else report.changed)
        )
        target.append(code)
        if target is not report.unchanged:
            matched.append((area, geometry))
    if not dry_run:
        with transaction.atomic():
            for area, geometry in matched:
                set_boundary(area, geometry)
    return report
