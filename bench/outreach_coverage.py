"""Coverage benchmark: N households with two years of visits, coverage computed and rolled up.

    LIANXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> PYTHONPATH=. \
        python bench/outreach_coverage.py --households 500000

Builds the data with SQL (generate_series) in a database you give it (it refuses one that already
holds households unless --reuse), then times `coverage_rows` over every household, the street
rollup and a community's dashboard. Figures: docs/benchmarks.md ("Outreach coverage").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")


def build(households: int, grids: int) -> None:
    from django.db import connection

    from lianxin.org.models import Area, AreaLevel

    district = Area.objects.create(code="BD", name="基准区", level=AreaLevel.DISTRICT)
    streets = [
        Area.objects.create(code=f"BS{s}", name=f"街道{s}", level=AreaLevel.STREET, parent=district)
        for s in range(10)
    ]
    communities = [
        Area.objects.create(
            code=f"BC{s}{c:02d}", name=f"社区{s}-{c}", level=AreaLevel.COMMUNITY, parent=street
        )
        for s, street in enumerate(streets)
        for c in range(10)
    ]
    grid_ids = []
    for i in range(grids):
        community = communities[i % len(communities)]
        grid_ids.append(
            Area.objects.create(code=f"BG{i:04d}", name=f"网格{i}", level=AreaLevel.GRID, parent=community).pk
        )
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM org_user ORDER BY id LIMIT 1")
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO org_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined, display_name, phone) VALUES ('!', false, 'bench', '', '', "
                "'', false, true, now(), '基准', '') RETURNING id"
            )
            row = cur.fetchone()
        cadre = row[0]
        cur.execute(
            "INSERT INTO outreach_household (grid_id, building, unit_no, room, address_detail, "
            "consent_scope, note, "
            "active, registered_on, created_at) "
            "SELECT (ARRAY[%s])[1 + (n %% %s)], (n / 100)::text, '1', (n %% 100)::text, '', '', '', true, "
            "DATE '2024-12-01', now() FROM generate_series(0, %s - 1) AS n".replace(
                "ARRAY[%s]", "%s::bigint[]"
            ),
            [grid_ids, len(grid_ids), households],
        )
        # one party member per ten households (the per-person limit), ten households of one grid each
        cur.execute(
            "INSERT INTO org_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, phone) SELECT '!', false, 'bench-dy-' || n, '', '', '', "
            "false, true, now(), '党员' || n, '' FROM generate_series(0, %s - 1) AS n",
            [households // 10],
        )
        cur.execute(
            "INSERT INTO outreach_contactassignment (kind, cadre_id, household_id, started_on, end_reason) "
            "SELECT 'household', u.id, h.id, DATE '2024-12-01', '' FROM outreach_household h "
            "JOIN org_user u ON u.username = 'bench-dy-' || "
            "(((h.id - 1) %% %s) * (%s / %s) + ((h.id - 1) / %s) / 10)",
            [len(grid_ids), households // 10, len(grid_ids), len(grid_ids)],
        )
        cur.execute(
            'INSERT INTO outreach_householdgroup (household_id, "group") SELECT id, '
            "(ARRAY['elderly_alone','disabled','low_income','veteran'])[1 + id % 4] "
            "FROM outreach_household WHERE id % 5 = 0"
        )
        # two years of visits: every 45–105 days per household
        cur.execute(
            "INSERT INTO outreach_visit (household_id, cadre_id, visited_on, companions, said, client_ref, "
            "created_at) "
            "SELECT h.id, %s, DATE '2024-12-01' + (k * 75 + (h.id %% 31))::int, '', '', '', now() "
            "FROM outreach_household h, generate_series(0, 9) AS k "
            "WHERE DATE '2024-12-01' + (k * 75 + (h.id %% 31))::int <= DATE '2026-12-01'",
            [cadre],
        )
        cur.execute(
            "UPDATE outreach_household h SET last_visited_on = v.last FROM (SELECT household_id, "
            "max(visited_on) AS last FROM outreach_visit GROUP BY household_id) v WHERE v.household_id = h.id"
        )
        cur.execute(
            'INSERT INTO outreach_coverageRule (area_id, "group", interval_days, working_days) VALUES '
            "(NULL, '', 90, false), (NULL, 'elderly_alone', 30, false), (NULL, 'disabled', 20, true)".replace(
                "coverageRule", "coveragerule"
            )
        )
        cur.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=500_000)
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    from lianxin.org.models import Area
    from lianxin.outreach import coverage, selectors
    from lianxin.outreach.models import Household, Visit

    call_command("migrate", verbosity=0)
    if Household.objects.exists() and not args.reuse:
        print("The database already holds households: pass --reuse to time them, or use an empty database.")
        return 2
    if not Household.objects.exists():
        started = time.perf_counter()
        build(args.households, args.grids)
        print(
            f"built {Household.objects.count():,} households, {Visit.objects.count():,} visits "
            f"in {time.perf_counter() - started:.1f}s"
        )
    today = dt.date(2026, 12, 1)
    for label, day in [
        ("as of today (kept last visit)", dt.date.today()),
        ("as of a past day (visits aggregated)", today),
    ]:
        started = time.perf_counter()
        rows = coverage.coverage_rows(Household.objects.all(), day)
        print(
            f"coverage_rows, every household, {label}: {time.perf_counter() - started:.2f}s ({len(rows):,} "
            "rows)"
        )
    started = time.perf_counter()
    by_street = coverage.rollup_by_area(rows, 2)
    print(f"street rollup of those rows: {time.perf_counter() - started:.2f}s ({len(by_street)} streets)")
    from lianxin.org.models import User

    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    community = Area.objects.get(code="BC000")
    for _ in range(2):
        started = time.perf_counter()
        board = selectors.coverage_dashboard(admin, area=community, level="grid", today=dt.date.today())
        elapsed = time.perf_counter() - started
    print(f"one community's dashboard ({board['total'].total:,} households): {elapsed * 1000:.0f} ms")
    from lianxin.outreach.models import CoverageRollup
    from lianxin.outreach.sweeps import sweep_coverage

    started = time.perf_counter()
    counts = sweep_coverage(dt.date.today())
    print(
        f"coverage sweep (every household, rollups written, {counts['overdue_new']:,} newly overdue "
        "noticed): "
        f"{time.perf_counter() - started:.1f}s; {CoverageRollup.objects.count():,} rollup rows"
    )
    district = Area.objects.get(code="BD")
    street = Area.objects.get(code="BS0")
    for label, target, level in [
        ("district dashboard by street", None, "street"),
        ("district dashboard by community", district, "community"),
        ("street dashboard by community", street, "community"),
    ]:
        selectors.coverage_dashboard(admin, area=target, level=level, today=dt.date.today())
        started = time.perf_counter()
        board = selectors.coverage_dashboard(admin, area=target, level=level, today=dt.date.today())
        elapsed = time.perf_counter() - started
        print(
            f"{label} from the rollups ({board['total'].total:,} households, {len(board['areas'])} areas, "
            f"{len(board['cadres'])} cadres): {elapsed * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
