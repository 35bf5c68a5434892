#!/usr/bin/env python
"""Benchmark periodic report generation (`lianxin report`) for one month.

    .venv/bin/python bench/reports.py                       # PostgreSQL, 3000 appeals in 2026-10
    .venv/bin/python bench/reports.py --appeals 10000 --repeat 5
    .venv/bin/python bench/reports.py --database sqlite:////tmp/lianxin-bench-reports.sqlite3

What it does, in a scratch database (default `lianxin_bench_reports` on the local PostgreSQL,
dropped and re-created; a SQLite URL is used as given, the file being deleted first):

1. Migrates and creates a district with 4 streets, 8 communities, 16 grids, 6 top-level × 3 leaf
   categories and 10 units.
2. Writes `--appeals` appeals submitted in the month (and 80 % as many in the month before) with
   their event histories — submitted, dispatched, sometimes returned and re-dispatched,
   accepted, replied (some late), rated (75 % satisfied or basic) — at realistic times, with
   bulk inserts (the appeal services are exercised by the tests, not here), then folds them
   into the KPI rollups with the real `lianxin.supervision.rollups.process_events` and records
   false closures on 2 % of the closed appeals.
3. Times, over `--repeat` runs: the snapshot (`report_content`, every query the report makes),
   then the HTML, the PDF (WeasyPrint) and the XLSX (openpyxl) renderings of it separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TITLES = [
    "{p}路灯不亮",
    "{p}垃圾清运不及时",
    "{p}道路破损",
    "{p}噪音扰民",
    "{p}占道经营",
    "{p}污水外溢",
    "{p}违章停车",
    "{p}绿化带缺损",
    "{p}井盖缺失",
    "{p}楼道堆物",
    "{p}油烟扰民",
    "{p}积水严重",
]
PLACES = ["幸福小区", "和平路", "光明街", "解放路", "新华小区", "人民公园", "东风路", "建设小区"]


def setup(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        import psycopg

        admin_url, name = url.rsplit("/", 1)
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["LIANXIN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(appeals: int, month: dt.date, seed: int) -> None:
    from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
    from lianxin.org.models import Area, AreaLevel, Category, Unit
    from lianxin.supervision import rollups
    from lianxin.supervision.models import FollowUp, FollowUpReason, FollowUpStatus
    from lianxin.worktime.calendar import TZ

    rng = random.Random(seed)
    district = Area.objects.create(code="D1", name="示范区", level=AreaLevel.DISTRICT)
    grids = []
    for s in range(4):
        street = Area.objects.create(
            code=f"S{s}", name=f"第{s + 1}街道", level=AreaLevel.STREET, parent=district
        )
        for c in range(2):
            community = Area.objects.create(
                code=f"S{s}C{c}", name=f"{street.name}{c + 1}社区", level=AreaLevel.COMMUNITY, parent=street
            )
            for g in range(2):
                grids.append(
                    Area.objects.create(
                        code=f"S{s}C{c}G{g}",
                        name=f"{community.name}{g + 1}网格",
                        level=AreaLevel.GRID,
                        parent=community,
                    )
                )
    leaves = []
    for k, name in enumerate(["城乡建设", "环境保护", "交通运输", "市场监管", "社会治安", "民生保障"]):
        top = Category.objects.create(code=f"K{k}", name=name)
        leaves += [
            Category.objects.create(code=f"K{k}-{i}", name=f"{name}{i + 1}", parent=top) for i in range(3)
        ]
    units = [Unit.objects.create(code=f"U{i}", name=f"第{i + 1}承办单位", area=district) for i in range(10)]

    def tz(day: dt.date, hours: float) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=TZ) + dt.timedelta(hours=hours)

    seq = 0
    for start, count in ((_prev(month), int(appeals * 0.8)), (month, appeals)):
        days = (_next(start) - start).days
        rows, histories = [], []
        for _i in range(count):
            seq += 1
            submitted = tz(start + dt.timedelta(days=rng.randrange(days)), rng.uniform(7, 20))
            unit = rng.choice(units)
            title = rng.choice(TITLES).format(p=rng.choice(PLACES))
            appeal = Appeal(
                tracking_number=f"LX{submitted:%Y%m%d}-{seq:06d}",
                title=title,
                text=title + "，请尽快处理。",
                kind="complaint",
                channel="web",
                category=rng.choice(leaves),
                area=rng.choice(grids),
                contact_name="张三",
                contact_phone="13800000000",
                submitted_at=submitted,
                unit=unit,
                status=Status.DISPATCHED,
            )
            events: list[tuple[str, dt.datetime, Unit | None, str, dict[str, Any]]] = [
                (EventType.SUBMITTED, submitted, None, Status.SUBMITTED, {})
            ]
            t = submitted + dt.timedelta(minutes=rng.uniform(5, 120))
            if rng.random() < 0.08:
                other = rng.choice(units)
                events.append((EventType.DISPATCHED, t, other, Status.DISPATCHED, {}))
                t += dt.timedelta(hours=rng.uniform(0.5, 6))
                events.append((EventType.RETURNED, t, other, Status.RETURNED, {}))
                t += dt.timedelta(minutes=rng.uniform(5, 60))
            events.append((EventType.DISPATCHED, t, unit, Status.DISPATCHED, {}))
            t += dt.timedelta(hours=rng.expovariate(1 / 3))
            events.append((EventType.ACCEPTED, t, unit, Status.ACCEPTED, {"late": rng.random() < 0.1}))
            if rng.random() < 0.9:
                t += dt.timedelta(hours=rng.expovariate(1 / 40))
                late = rng.random() < 0.07
                if late:
                    events.append((EventType.OVERDUE, t - dt.timedelta(hours=1), unit, "", {}))
                events.append((EventType.REPLIED, t, unit, Status.REPLIED, {"late": late}))
                if rng.random() < 0.85:
                    t += dt.timedelta(hours=rng.uniform(1, 48))
                    sat = rng.choices(["satisfied", "basic", "dissatisfied"], [70, 18, 12])[0]
                    solved = sat != "dissatisfied" or rng.random() < 0.3
                    events.append(
                        (EventType.RATED, t, unit, Status.CLOSED, {"satisfaction": sat, "solved": solved})
                    )
                    appeal.status, appeal.satisfaction, appeal.solved, appeal.closed_at = (
                        Status.CLOSED,
                        sat,
                        solved,
                        t,
                    )
                else:
                    appeal.status = Status.REPLIED
            else:
                appeal.status = Status.ACCEPTED
                appeal.overdue = rng.random() < 0.5
            rows.append(appeal)
            histories.append(events)
        Appeal.objects.bulk_create(rows, batch_size=1000)
        evs = []
        for appeal, events in zip(rows, histories, strict=True):
            previous = ""
            for type_, at, event_unit, to, data in events:
                evs.append(
                    AppealEvent(
                        appeal=appeal,
                        type=type_,
                        at=at,
                        unit=event_unit,
                        from_status=previous,
                        to_status=to or previous,
                        data=data,
                    )
                )
                previous = to or previous
        AppealEvent.objects.bulk_create(sorted(evs, key=lambda e: e.at), batch_size=2000)
    rollups.process_events(now=dt.datetime.now(dt.UTC), settle_seconds=0, sample=False)
    closed = list(
        Appeal.objects.filter(status=Status.CLOSED, closed_at__gte=tz(month, 0)).values(
            "pk", "unit_id", "closed_at"
        )
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                appeal_id=a["pk"],
                unit_id=a["unit_id"],
                reason=FollowUpReason.SAMPLED,
                status=FollowUpStatus.DONE,
                sampled_at=a["closed_at"],
                done_at=a["closed_at"] + dt.timedelta(days=1),
                really_solved=False,
                false_closure=True,
            )
            for a in rng.sample(closed, k=len(closed) // 50)
            if a["closed_at"] is not None
        ]
    )


def _next(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _prev(day: dt.date) -> dt.date:
    return (day - dt.timedelta(days=1)).replace(day=1)


def measure(month: dt.date, repeat: int, pdf_path: str = "") -> dict[str, list[float]]:
    from lianxin.reports import rendering
    from lianxin.reports.models import Report
    from lianxin.reports.selectors import report_content
    from lianxin.supervision.selectors import Period

    period = Period.month(month.year, month.month)
    times: dict[str, list[float]] = {"data": [], "html": [], "pdf": [], "xlsx": []}
    sizes: dict[str, int] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        data = report_content(period, None)
        times["data"].append(time.perf_counter() - t0)
        report = Report(
            period_label=period.label,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            data=data,
            lessons="经验与问题示例。",
            generated_at=dt.datetime.now(dt.UTC),
        )
        for fmt, fn in (
            ("html", rendering.render_html),
            ("pdf", rendering.render_pdf),
            ("xlsx", rendering.render_xlsx),
        ):
            t0 = time.perf_counter()
            out = fn(report)
            times[fmt].append(time.perf_counter() - t0)
            sizes[fmt] = len(out)
    print("sizes (bytes):", sizes)
    if "pdf" in sizes:
        import io

        from pypdf import PdfReader

        pdf = rendering.render_pdf(report)
        print("pdf pages:", len(PdfReader(io.BytesIO(pdf)).pages))
        if pdf_path:
            Path(pdf_path).write_bytes(pdf)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/lianxin_bench_reports")
    parser.add_argument("--appeals", type=int, default=3000)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pdf", default="", help="Also write the PDF here, to look at it.")
    args = parser.parse_args()
    month = dt.date.fromisoformat(args.month + "-01")
    setup(args.database)
    t0 = time.perf_counter()
    build(args.appeals, month, args.seed)
    print(
        f"built {args.appeals} appeals (+{int(args.appeals * 0.8)} the month before) in "
        f"{time.perf_counter() - t0:.1f}s"
    )
    times = measure(month, args.repeat, args.pdf)
    for name, values in times.items():
        print(
            f"{name:5s} median {statistics.median(values):6.2f}s  min {min(values):6.2f}s  max "
            f"{max(values):6.2f}s"
        )


if __name__ == "__main__":
    main()
