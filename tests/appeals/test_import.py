"""`lianxin appeals import`: past appeals with their history, every bad row named, nothing twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.audit.services import audit_verify

pytestmark = pytest.mark.django_db
HEADER = [
    "external_id",
    "submitted_at",
    "channel",
    "kind",
    "category",
    "area",
    "title",
    "text",
    "contact_name",
    "contact_phone",
    "anonymous",
    "unit",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "reply_text",
    "closed_at",
    "satisfaction",
    "solved",
]
GOOD = [
    [
        "H-1",
        "2025-03-03 09:15",
        "hotline",
        "complaint",
        "CJ-LD",
        "G1",
        "",
        "幸福小区3栋门口路灯坏了",
        "张三",
        "13812341234",
        "",
        "U-CG",
        "2025-03-03 10:00",
        "2025-03-03 11:00",
        "2025-03-05 16:00",
        "已修复",
        "2025-03-06 10:00",
        "满意",
        "是",
    ],
    [
        "H-2",
        "2025-03-04 08:00",
        "web",
        "",
        "环境保护",
        "幸福一网格",
        "噪音",
        "夜间施工噪音扰民",
        "",
        "",
        "是",
        "生态环境局",
        "2025-03-04 09:00",
        "",
        "2025-04-30 09:00",
        "已协调停工",
        "2025-05-02 09:00",
        "dissatisfied",
        "no",
    ],
    [
        "H-3",
        "2025-03-05 08:00",
        "",
        "",
        "",
        "G2",
        "",
        "咨询办理居住证需要什么材料",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def _file(tmp_path: Path, rows: list[list[str]], name: str = "history.csv") -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def test_a_real_run_rebuilds_each_appeal_and_its_events(district, tmp_path):
    out = io.StringIO()
    call_command("appeals", "import", str(_file(tmp_path, GOOD)), stdout=out)
    assert "imported 3" in out.getvalue()
    first = Appeal.objects.get(external_id="H-1")
    assert first.status == Status.CLOSED
    assert first.unit == district.unit_city
    assert first.satisfaction == "satisfied"
    assert first.contact_phone == "13812341234"
    assert first.channel == "hotline"
    assert first.solved is True
    assert first.submitted_at == dt.datetime(2025, 3, 3, 1, 15, tzinfo=dt.UTC)  # 09:15 in Asia/Shanghai
    assert list(AppealEvent.objects.filter(appeal=first).values_list("type", flat=True)) == [
        EventType.SUBMITTED,
        EventType.DISPATCHED,
        EventType.ACCEPTED,
        EventType.REPLIED,
        EventType.RATED,
    ]
    late = AppealEvent.objects.get(appeal__external_id="H-2", type=EventType.REPLIED)
    assert late.data["late"] is True  # replied almost two months after dispatch
    assert not AppealEvent.objects.get(appeal=first, type=EventType.REPLIED).data["late"]
    second = Appeal.objects.get(external_id="H-2")
    assert second.is_anonymous
    assert second.contact_phone == ""
    assert second.category == district.cat_env
    assert Appeal.objects.get(external_id="H-3").status == Status.SUBMITTED
    assert audit_verify().ok
    again = io.StringIO()
    call_command("appeals", "import", str(_file(tmp_path, GOOD)), stdout=again)
    assert "imported 0, already imported 3" in again.getvalue()
    assert Appeal.objects.count() == 3


def test_the_imported_history_feeds_the_kpis_of_its_month(district, tmp_path):
    from django.utils import timezone

    from lianxin.supervision import rollups
    from lianxin.supervision.selectors import Period, Slice, kpis

    call_command("appeals", "import", str(_file(tmp_path, GOOD)), stdout=io.StringIO())
    rollups.process_events(now=timezone.now() + dt.timedelta(minutes=5))
    march = kpis(Period.parse("2025-03"))
    assert (march.received, march.assigned, march.accepted, march.replied) == (
        3,
        2,
        1,
        1,
    )  # H-2 replied in April
    city = kpis(Period.parse("2025-03"), Slice().narrow(unit=district.unit_city))
    assert city.satisfaction_rate == 1.0
    assert city.replied == 1
    may = kpis(Period.parse("2025-05"), Slice().narrow(unit=district.unit_env))
    assert may.rated == 1
    assert may.satisfaction_rate == 0.0


BAD = [
    [
        "B-1",
        "2025-02-30 09:00",
        "",
        "",
        "",
        "G1",
        "",
        "日期不存在",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["B-2", "2025-03-01 09:00", "", "", "", "G9", "", "未知网格", "", "", "", "", "", "", "", "", "", "", ""],
    [
        "B-3",
        "2025-03-01 09:00",
        "",
        "",
        "XX",
        "G1",
        "",
        "未知分类",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["B-4", "2025-03-01 09:00", "", "", "", "G1", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    [
        "B-5",
        "2025-03-02 09:00",
        "",
        "",
        "",
        "G1",
        "",
        "答复早于受理",
        "",
        "",
        "",
        "U-CG",
        "2025-03-02 10:00",
        "",
        "2025-03-01 10:00",
        "",
        "",
        "",
        "",
    ],
    [
        "B-6",
        "2025-03-01 09:00",
        "",
        "",
        "",
        "G1",
        "",
        "电话不对",
        "李",
        "1390012",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "H-1",
        "2025-03-03 09:15",
        "",
        "",
        "",
        "G1",
        "",
        "同一编号第二次",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def test_a_dry_run_names_every_refused_row_and_writes_nothing(district, tmp_path):
    path = _file(tmp_path, [GOOD[0], *BAD])
    out = io.StringIO()
    with pytest.raises(CommandError, match="7 row"):
        call_command("appeals", "import", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    for number, reason in [
        (3, "not a possible time"),
        (4, "unknown area"),
        (5, "unknown category"),
        (6, "text is empty"),
        (7, "out of order"),
        (8, "7 位"),
        (9, "appears twice"),
    ]:
        assert f"row {number} " in text, (number, text)
        assert reason in text.split(f"row {number} ")[1].splitlines()[0], (number, text)
    assert Appeal.objects.count() == 0


def test_a_real_run_writes_the_good_rows_and_reports_the_rest(district, tmp_path):
    out = io.StringIO()
    call_command("appeals", "import", str(_file(tmp_path, [GOOD[0], BAD[1]])), stdout=out)
    assert "imported 1" in out.getvalue()
    assert "refused 1" in out.getvalue()
    assert "row 3" in out.getvalue()
    assert list(Appeal.objects.values_list("external_id", flat=True)) == ["H-1"]


def test_xlsx_and_a_missing_column(district, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one (active) sheet
    sheet.append(HEADER)
    sheet.append([*GOOD[2][:1], dt.datetime(2025, 3, 5, 8, 0), *GOOD[2][2:]])
    book.save(tmp_path / "history.xlsx")
    call_command("appeals", "import", str(tmp_path / "history.xlsx"), stdout=io.StringIO())
    assert Appeal.objects.get(external_id="H-3").text.startswith("咨询")
    (tmp_path / "short.csv").write_text("external_id,text\nX,文字\n", encoding="utf-8")
    with pytest.raises(CommandError, match="submitted_at, area"):
        call_command("appeals", "import", str(tmp_path / "short.csv"))
