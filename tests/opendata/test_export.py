"""The open-data export: k-folding on hand-built data, no personal data, public pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lianxin.appeals.models import Satisfaction, Status
from lianxin.opendata import export
from lianxin.org.models import AreaLevel
from lianxin.reports.models import Report, ReportStatus
from lianxin.worktime import calendar
from tests.factories import AppealFactory, AreaFactory, CategoryFactory

pytestmark = pytest.mark.django_db

OCT = dt.datetime(2026, 10, 15, 10, 0, tzinfo=calendar.TZ)


@pytest.fixture
def world():
    d = AreaFactory(code="D", name="区", level=AreaLevel.DISTRICT)
    s1 = AreaFactory(code="S1", name="街道一", level=AreaLevel.STREET, parent=d)
    c1 = AreaFactory(code="C1", name="社区一", level=AreaLevel.COMMUNITY, parent=s1)
    c2 = AreaFactory(code="C2", name="社区二", level=AreaLevel.COMMUNITY, parent=s1)
    g1 = AreaFactory(code="G1", name="网格一", level=AreaLevel.GRID, parent=c1)
    top = CategoryFactory(code="T", name="城市管理")
    light = CategoryFactory(code="T1", name="路灯", parent=top)
    road = CategoryFactory(code="T2", name="道路", parent=top)
    return {"s1": s1, "c1": c1, "c2": c2, "g1": g1, "top": top, "light": light, "road": road}


def _appeals(n, area, category, **kw):
    for _ in range(n):
        AppealFactory(area=area, category=category, submitted_at=OCT, **kw)


def _cells(data):
    return {(c["area_code"], c["category_code"]): c for c in data["cells"]}


def test_big_cell_stays_small_cells_fold_to_street_then_parent(world):
    _appeals(6, world["g1"], world["light"])  # grid → its community C1: 6 ≥ 5, published as is
    _appeals(3, world["c2"], world["light"])  # C2 × 路灯: 3 < 5 → S1 × 路灯 (3) → S1 × 城市管理
    _appeals(2, world["c2"], world["road"])  # C2 × 道路: 2 → S1 × 道路 (2) → S1 × 城市管理 (5 ≥ 5)
    cells = _cells(export.build("2026-10", k=5))
    assert cells[("C1", "T1")]["appeals"] == 6
    assert cells[("C1", "T1")]["level"] == "community"
    assert cells[("S1", "T")]["appeals"] == 5
    assert cells[("S1", "T")]["level"] == "street"
    assert set(cells) == {("C1", "T1"), ("S1", "T")}
    assert all(c["appeals"] >= 5 for c in cells.values())


def test_still_below_k_goes_to_the_residual(world):
    _appeals(2, world["c2"], world["road"])
    data = export.build("2026-10", k=5)
    assert [(c["area_code"], c["category_code"], c["appeals"]) for c in data["cells"]] == [("*", "*", 2)]


def test_street_cell_at_k_published_without_climbing(world):
    _appeals(3, world["c1"], world["road"])
    _appeals(2, world["c2"], world["road"])
    cells = _cells(export.build("2026-10", k=5))
    assert set(cells) == {("S1", "T2")}


def test_measures_anonymous_only_counted_no_personal_fields(world):
    now = timezone.now()
    _appeals(
        3,
        world["c1"],
        world["light"],
        is_anonymous=True,
        contact_name="",
        contact_phone="",
        contact_phone_hash="",
    )
    _appeals(
        1,
        world["c1"],
        world["light"],
        status=Status.CLOSED,
        closed_at=OCT + dt.timedelta(days=1),
        resolve_due_at=OCT + dt.timedelta(days=5),
        satisfaction=Satisfaction.SATISFIED,
    )
    _appeals(
        1,
        world["c1"],
        world["light"],
        status=Status.CLOSED,
        closed_at=OCT + dt.timedelta(days=9),
        resolve_due_at=OCT + dt.timedelta(days=5),
    )
    data = export.build("2026-10", k=5, now=now)
    cell = _cells(data)[("C1", "T1")]
    assert cell["appeals"] == 5
    assert cell["anonymous"] == 3
    assert cell["closed"] == 2
    assert cell["closed_on_time"] == 1
    assert cell["closed_late"] == 1
    assert cell["satisfied"] == 1
    assert cell["overdue_open"] == 0
    assert cell["open"] == 3
    blob = export.to_json(data) + export.to_csv(data) + export.daily_csv(data)
    for secret in ("张三", "13812341234", "1234", "路灯不亮", "幸福小区", "LX2026"):
        assert secret not in blob
    for name in (
        "contact",
        "phone",
        "tracking",
        "title",
        "text",
        "resident",
        "latitude",
        "longitude",
        "address",
    ):
        assert all(name not in key for key in export.CELL_COLUMNS)
    assert sum(d["submitted"] for d in data["daily"]) == 5
    assert len(data["daily"]) == 31
    assert "aggregate" in data["dictionary"]["granularity"]


@pytest.mark.parametrize("bad", ["2026-13", "2026/10", "", "26-10", "2026-1", "x"])
def test_bad_month_is_a_clear_error(bad, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("opendata", "export", "--month", bad, "--out", str(tmp_path))


def test_command_writes_csv_json_and_dictionary(world, tmp_path):
    _appeals(5, world["c1"], world["light"])
    call_command("opendata", "export", "--month", "2026-10", "--out", str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "dictionary.json",
        "lianxin-appeals-2026-10-daily.csv",
        "lianxin-appeals-2026-10.csv",
        "lianxin-appeals-2026-10.json",
    ]
    assert json.loads((tmp_path / "lianxin-appeals-2026-10.json").read_text())["cells"][0]["appeals"] == 5
    assert (tmp_path / "lianxin-appeals-2026-10.csv").read_text().splitlines()[1].startswith("2026-10,C1,")


def test_public_pages_without_login(client, world):
    _appeals(5, world["c1"], world["light"])
    assert client.get("/open/").status_code == 200
    assert client.get("/open/data/dictionary.json").status_code == 200
    resp = client.get("/open/data/2026-10.csv")
    assert resp.status_code == 200
    assert b"C1" in resp.content
    assert client.get("/open/data/2026-10.json").json()["k"] == 5
    bad = client.get("/open/data/2026-13.csv")
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.json()["error"]
    future = (timezone.now().astimezone(calendar.TZ).date().replace(day=1)).strftime("%Y-%m")
    assert client.get(f"/open/data/{future}.csv").status_code == 400


def test_public_report_only_published_and_without_cases(client, world):
    data = {
        "period": {"label": "2026-10"},
        "headline": [],
        "by_category": [],
        "by_street": [],
        "unit_ranking": [],
        "overdue": {"count": 1, "open_now": 0, "cases": [{"tracking_number": "LX1"}]},
        "cases": {"good": [{"summary": "张*的路灯"}]},
        "text_hotspots": [{"label": "秘密"}],
    }
    common = {
        "period_kind": "month",
        "period_start": dt.date(2026, 10, 1),
        "period_end": dt.date(2026, 11, 1),
        "data": data,
        "generated_at": timezone.now(),
        "lessons": "内部",
    }
    draft = Report.objects.create(period_label="2026-10", version=1, **common)
    pub = Report.objects.create(
        period_label="2026-10",
        version=2,
        status=ReportStatus.PUBLISHED,
        published_at=timezone.now(),
        **common,
    )
    assert client.get(f"/open/reports/{draft.pk}/").status_code == 404
    page = client.get(f"/open/reports/{pub.pk}/")
    assert page.status_code == 200
    body = client.get(f"/open/reports/{pub.pk}/?format=json").content.decode()
    for secret in ("LX1", "张*", "秘密", "内部"):
        assert secret not in body
        assert secret not in page.content.decode()
    assert json.loads(body)["overdue"]["count"] == 1
    listing = client.get("/open/").content.decode()
    assert f"/open/reports/{pub.pk}/" in listing
    assert f"/open/reports/{draft.pk}/" not in listing


def test_index_in_english(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/open/"})
    page = client.get("/open/").content.decode()
    assert "Published monthly evaluation reports" in page
    assert "Data dictionary" in page


def test_k_comes_from_the_setting(world, settings):
    settings.LIANXIN_OPENDATA_K = 3
    _appeals(3, world["c1"], world["light"])
    assert set(_cells(export.build("2026-10"))) == {("C1", "T1")}
