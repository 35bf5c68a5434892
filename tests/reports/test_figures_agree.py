"""Figures that agree (issue 16): for the same period and scope, the dashboard's tiles, their
drill-downs, the unit page, the monthly report and the API show the same numbers — including the
chases (催办/补充) counted against the unit that held the appeal."""

from __future__ import annotations

import re

import pytest
import time_machine

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.reports.selectors import report_content
from lianxin.supervision import rollups
from lianxin.supervision.selectors import Period
from tests.api.conftest import Api

from .conftest import at

pytestmark = pytest.mark.django_db

PERIOD = "2026-10"
# Counters that a drill-down lists one event for, and the dashboard shows as a tile's number.
TILES = ("received", "assigned", "overdue", "returned_unjustified", "chased", "auto_closed", "false_closures")
DRILLED = ("received", "assigned", "returned", "overdue", "reopened", "withdrawn", "chased")


@pytest.fixture
def chased(october):
    d = october.s.d
    for when, kind in (
        ("2026-10-20 10:00", "chase"),
        ("2026-10-21 10:00", "chase"),
        ("2026-10-22 10:00", "supplement"),
    ):
        with time_machine.travel(at(when), tick=False):
            services.appeal_chase(
                appeal=october.overdue, actor=Actor.staff(d.operator), kind=kind, note="群众再次来电"
            )
    rollups.process_events(now=at("2026-11-02 13:00"), settle_seconds=0)
    return october


def _tiles(body: str) -> dict[str, str]:
    """The number of each dashboard tile, by the figure its link drills into (first tile wins)."""
    found: dict[str, str] = {}
    for figure, number in re.findall(
        r'figure=(\w+)&(?:amp;)?period=[^"]*"><span class="n">([^<]*)</span>', body
    ):
        found.setdefault(figure, number)
    return found


def _drill_count(body: str) -> int:
    shown = re.search(r'id="drill-events">[^0-9]*(\d+)', body) or re.search(r"共 (\d+) 件诉求", body)
    assert shown, body
    return int(shown.group(1))


def test_dashboard_drilldowns_report_and_api_agree(chased, client):
    d = chased.s.d
    api = Api()
    figures = api.get("/kpis", user=d.supervisor, period=PERIOD).json()["figures"]
    report = report_content(Period.parse(PERIOD), None)
    assert figures["chased"] == 3
    assert chased.overdue.__class__.objects.get(pk=chased.overdue.pk).chase_count == 3
    # the report's totals and headline are the API's figures
    assert {k: report["totals"][k] for k in figures} == pytest.approx(figures, abs=1e-4)
    for row in report["headline"]:
        assert row["value"] == pytest.approx(figures[row["key"]], abs=1e-4), row["key"]
    # the dashboard's tiles
    client.force_login(d.supervisor)
    tiles = _tiles(client.get("/supervision/", {"period": PERIOD}).content.decode())
    for name in TILES:
        assert tiles[name] == str(figures[name]), name
    assert (
        tiles["dissatisfied"] == f"{figures['satisfaction_rate'] * 100:.1f}%"
    )  # 满意率 drills into 不满意件
    # each drill-down names the figure's number
    for name in DRILLED:
        body = client.get("/supervision/drill/", {"figure": name, "period": PERIOD}).content.decode()
        assert _drill_count(body) == figures[name], name


def test_a_unit_page_its_report_row_and_the_api_agree(chased, client):
    d = chased.s.d
    api = Api()
    figures = api.get("/kpis", user=d.supervisor, period=PERIOD, unit=d.unit_city.code).json()["figures"]
    assert figures["chased"] == 3  # the chases came while 城管局 held the appeal
    row = next(
        r for r in report_content(Period.parse(PERIOD), None)["by_unit"] if r["label"] == d.unit_city.name
    )
    assert (row["assigned"], row["closed"], row["overdue"], row["returned"], row["chased"]) == (
        figures["assigned"],
        figures["closed"],
        figures["overdue"],
        figures["returned"],
        figures["chased"],
    )
    client.force_login(d.handler_city)
    body = client.get("/supervision/unit/", {"unit": d.unit_city.pk, "period": PERIOD}).content.decode()
    cells: dict[str, str] = {}
    for figure, number in re.findall(
        r'figure=(\w+)&(?:amp;)?period=[^"]*&(?:amp;)?unit=\d+">[^<]*</a></th><td>([^<]*)</td>', body
    ):
        cells.setdefault(figure, number)  # the first row that drills into a figure shows its count
    for name in ("assigned", "overdue", "returned_unjustified", "chased", "auto_closed", "false_closures"):
        assert cells[name] == str(figures[name]), name
    drill = client.get("/supervision/drill/", {"figure": "chased", "period": PERIOD, "unit": d.unit_city.pk})
    assert _drill_count(drill.content.decode()) == 3
    # the queue card and the API list show the appeal's chases
    queue = client.get("/staff/queue/in_progress/").content.decode()
    assert "催办 3 次" in queue
    listed = api.get("/appeals", user=d.handler_city).json()["results"]
    assert {r["tracking_number"]: r["chase_count"] for r in listed}[chased.overdue.tracking_number] == 3
