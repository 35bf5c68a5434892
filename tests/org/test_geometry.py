"""Point-in-polygon in plain Python (lianxin/org/geometry.py): edges, vertices, holes, parts, bad input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lianxin.org import geometry
from lianxin.org.geometry import GeometryInvalidError, contains, geometry_contains, parse_geometry

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}
WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
}
TWO_ISLANDS = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
        [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]],
    ],
}
# a concave "U": the notch between the arms is outside
U_SHAPE = {
    "type": "Polygon",
    "coordinates": [[[0, 0], [9, 0], [9, 9], [6, 9], [6, 3], [3, 3], [3, 9], [0, 9], [0, 0]]],
}


def test_inside_and_outside_a_square():
    assert geometry_contains(SQUARE, 5, 5)
    assert not geometry_contains(SQUARE, 11, 5)
    assert not geometry_contains(SQUARE, -0.0001, 5)


@pytest.mark.parametrize("point", [(0, 5), (10, 5), (5, 0), (5, 10), (0, 0), (10, 10)])
def test_a_point_on_an_edge_or_vertex_is_inside(point):
    assert geometry_contains(SQUARE, *point)


def test_a_ray_through_a_vertex_is_counted_once():
    diamond = {"type": "Polygon", "coordinates": [[[5, 0], [10, 5], [5, 10], [0, 5], [5, 0]]]}
    assert geometry_contains(diamond, 2, 5)  # the ray to +lon passes through the vertex (10, 5)
    assert not geometry_contains(diamond, -1, 5)  # ... and from outside it crosses twice
    assert not geometry_contains(diamond, 1, 1)


def test_a_ray_along_a_horizontal_edge():
    assert geometry_contains(U_SHAPE, 1, 3)  # level with the notch's floor, left arm
    assert not geometry_contains(U_SHAPE, 4.5, 5)  # in the notch
    assert geometry_contains(U_SHAPE, 4.5, 2)  # below the notch
    assert geometry_contains(U_SHAPE, 4.5, 3)  # on the notch's floor: an edge


def test_a_hole_is_outside_but_its_edge_is_inside():
    assert not geometry_contains(WITH_HOLE, 5, 5)
    assert geometry_contains(WITH_HOLE, 2, 2)
    assert geometry_contains(WITH_HOLE, 4, 5)


def test_every_part_of_a_multipolygon_counts():
    assert geometry_contains(TWO_ISLANDS, 0.5, 0.5)
    assert geometry_contains(TWO_ISLANDS, 5.5, 5.5)
    assert not geometry_contains(TWO_ISLANDS, 3, 3)  # between the islands, inside the bounding box


def test_real_coordinates_work_at_their_precision():
    grid = {
        "type": "Polygon",
        "coordinates": [
            [
                [116.3001, 39.9001],
                [116.3101, 39.9001],
                [116.3101, 39.9101],
                [116.3001, 39.9101],
                [116.3001, 39.9001],
            ]
        ],
    }
    assert geometry_contains(grid, 116.305123, 39.905456)
    assert not geometry_contains(grid, 116.300099, 39.905456)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (None, "not a GeoJSON object"),
        ({"type": "Point", "coordinates": [1, 2]}, "not a boundary"),
        ({"type": "Polygon", "coordinates": []}, "outer ring"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0], [0, 0]]]}, "no area"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}, "not a number"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, True], [1, 1], [0, 0]]]}, "not a number"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "out of range"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 0], [1, 1], [0, 0]]]}, "not finite"),
        ({"type": "MultiPolygon", "coordinates": []}, "at least one polygon"),
    ],
)
def test_broken_geometries_are_refused_with_the_reason(bad, why):
    with pytest.raises(GeometryInvalidError, match=why):
        parse_geometry(bad)
    assert not geometry_contains(bad, 0.5, 0.5)


def test_too_many_vertices_are_refused(monkeypatch):
    monkeypatch.setattr(geometry, "MAX_VERTICES", 4)
    with pytest.raises(GeometryInvalidError, match="simplify"):
        parse_geometry(WITH_HOLE)


def test_a_feature_holding_a_polygon_is_its_polygon():
    assert geometry_contains({"type": "Feature", "properties": {}, "geometry": SQUARE}, 5, 5)
    with pytest.raises(GeometryInvalidError):
        parse_geometry({"type": "Feature", "geometry": None})


def test_contains_takes_parsed_polygons():
    assert contains(parse_geometry(TWO_ISLANDS), 5.5, 5.5)


def test_the_geometry_module_imports_no_django():
    tree = ast.parse(Path(geometry.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names
    assert not [n for n in names if n.startswith(("django", "lianxin"))]
