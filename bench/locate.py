"""Locating benchmark: N grids with polygon boundaries, the grid of random points by `area_at`.

    LIANXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> PYTHONPATH=. \
        python bench/locate.py --grids 2000 --vertices 64 --points 2000

Builds the grids (a regular lattice of 64-gon "circles" over about 40 × 40 km) in the database you
give it (SQLite when none; it refuses one that already holds areas), then times `area_at` for
random points, with PostGIS when the database has it and with the plain-Python test. Figures:
docs/geo.md ("Speed").
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")


def polygon(cx: float, cy: float, r: float, vertices: int) -> dict:
    ring = [
        [cx + r * math.cos(2 * math.pi * i / vertices), cy + r * math.sin(2 * math.pi * i / vertices)]
        for i in range(vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def build(grids: int, vertices: int) -> tuple[int, float]:
    from lianxin.org.locating import set_boundary
    from lianxin.org.models import Area, AreaLevel

    district = Area.objects.create(code="BD", name="基准区", level=AreaLevel.DISTRICT)
    community = Area.objects.create(code="BC", name="基准社区", level=AreaLevel.COMMUNITY, parent=district)
    side = math.ceil(math.sqrt(grids))
    step = 0.4 / side  # degrees
    for i in range(grids):
        grid = Area.objects.create(code=f"BG{i:05d}", name=f"网格{i}", level=AreaLevel.GRID, parent=community)
        set_boundary(
            grid, polygon(116.0 + (i % side) * step, 39.8 + (i // side) * step, step * 0.55, vertices)
        )
    return side, step


def timed(points: list[tuple[float, float]]) -> tuple[float, int]:
    from lianxin.org.locating import area_at

    found, times = 0, []
    for lat, lon in points:
        start = time.perf_counter()
        found += area_at(lat, lon) is not None
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--vertices", type=int, default=64)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from lianxin.org import locating
    from lianxin.org.models import Area

    call_command("migrate", verbosity=0)
    if Area.objects.exists():
        print("the database already holds areas; give an empty one", file=sys.stderr)
        return 2
    start = time.perf_counter()
    side, step = build(args.grids, args.vertices)
    print(
        f"{connection.vendor}: {args.grids} grids × {args.vertices} vertices built in "
        f"{time.perf_counter() - start:.1f} s"
    )
    rng = random.Random(7)
    points = [
        (39.8 + rng.random() * side * step, 116.0 + rng.random() * side * step) for _ in range(args.points)
    ]
    if locating.postgis_available():
        ms, found = timed(points)
        print(f"PostGIS: median {ms:.2f} ms per point, {found}/{len(points)} located")
    locating.postgis_available = lambda: False
    ms, found = timed(points)
    print(f"Python:  median {ms:.2f} ms per point, {found}/{len(points)} located")
    return 0


if __name__ == "__main__":
    sys.exit(main())
