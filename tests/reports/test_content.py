"""The report's snapshot for a hand-built month: headline figures, changes, sections, privacy."""

from __future__ import annotations

import json

import pytest

from lianxin.reports.selectors import redact, report_content
from lianxin.reports.services import SERVER
from lianxin.supervision.selectors import Period

pytestmark = pytest.mark.django_db


def _headline(data):
    return {row["key"]: row for row in data["headline"]}


def test_headline_figures_and_changes(october):
    data = report_content(Period.parse("2026-10"), None)
    h = _headline(data)
    # five appeals received in October, two in September
    assert (h["received"]["value"], h["received"]["previous"], h["received"]["change"]) == (5, 2, 3)
    assert h["received"]["relative"] == 150.0
    # rated: good (satisfied), bad (dissatisfied, unsolved), reopened (basic): 2 of 3 satisfied
    assert h["satisfaction_rate"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert h["satisfaction_rate"]["previous"] == 1.0
    assert h["satisfaction_rate"]["change"] == pytest.approx(-33.3, abs=0.05)  # percentage points
    assert h["satisfaction_rate"]["good"] is False
    assert h["resolution_rate"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    # overdue: the one never replied to, and the reopened one (re-dispatched 10-16, never accepted)
    assert (h["returned"]["value"], h["reopened"]["value"], h["overdue"]["value"]) == (1, 1, 2)
    assert h["false_closures"]["value"] == 1
    assert data["totals"]["withdrawn"] == 1
    # every acceptance came within the 4 working hours, but the response rate counts every assignment
    # and only a contact (here: the reply) answers it: 3 of 5 — the return to 生态环境局 (not judged)
    # and the overdue one (never replied) had none (docs/kpis.md)
    assert h["response_rate"]["value"] == pytest.approx(3 / 5)
    assert h["on_time_rate"]["value"] == 1.0


def test_sections(october, district):
    data = report_content(Period.parse("2026-10"), None)
    assert len(data["daily"]) == 31
    assert data["daily"][11] == {**data["daily"][11], "date": "2026-10-12", "received": 2}
    assert sum(d["received"] for d in data["daily"]) == 5
    assert sum(w["received"] for w in data["weekly"]) == 5
    categories = {r["label"]: r["received"] for r in data["by_category"]}
    assert categories == {"城乡建设": 4, "环境保护": 1}
    streets = {r["label"]: r["received"] for r in data["by_street"]}
    assert streets == {"东街道": 4, "西街道": 1}
    ranked = [r["label"] for r in data["unit_ranking"]]
    assert set(ranked) == {"城管局", "生态环境局"}
    assert data["overdue"]["count"] == 2
    assert data["overdue"]["open_now"] == 2
    assert [c["tracking_number"] for c in data["overdue"]["cases"]] == [
        october.overdue.tracking_number,
        october.reopened.tracking_number,
    ]
    assert data["overdue"]["by_unit"] == [
        {"label": "城管局", "count": 1},
        {"label": "生态环境局", "count": 1},
    ]
    assert [c["tracking_number"] for c in data["false_closures"]["cases"]] == [october.bad.tracking_number]
    good = data["cases"]["good"]
    assert [c["tracking_number"] for c in good] == [october.good.tracking_number]
    bad = {c["tracking_number"]: c["why"] for c in data["cases"]["bad"]}
    assert bad == {
        october.bad.tracking_number: "false_closure",
        october.overdue.tracking_number: "overdue",
        october.reopened.tracking_number: "overdue",
    }
    assert data["recurring"][0] == {
        "category": "路灯照明",
        "street": "东街道",
        "count": 4,
        "previous": 2,
        "growth": 1.0,
    }
    json.dumps(data)  # a snapshot is plain JSON


def test_area_report_only_counts_that_area(october, district):
    data = report_content(Period.parse("2026-10"), district.street_b)
    assert _headline(data)["received"]["value"] == 1
    assert data["area"]["code"] == "S2"
    assert [r["label"] for r in data["by_street"]] == ["西街道"]


def test_quarter(october):
    data = report_content(Period.parse("2026-Q4"), None)
    assert data["period"]["kind"] == "quarter"
    assert data["period"]["previous"] == "2026-Q3"
    h = _headline(data)
    assert (h["received"]["value"], h["received"]["previous"]) == (5, 2)
    assert data["ranking_month"] == "2026-Q4"  # the quarter ranks by the whole quarter (issue 16)


def test_no_personal_data_in_snapshot(october):
    text = json.dumps(report_content(Period.parse("2026-10"), None), ensure_ascii=False)
    assert "13812341234" not in text
    assert "张三" not in text
    assert "张*反映138****1234楼道灯坏" in text


def test_redact():
    assert redact("身份证110101199001011234的问题") == "身份证110****1234的问题"
    assert redact("x" * 100, limit=10) == "x" * 9 + "…"


@pytest.fixture
def late_from_september(october, district):
    """Submitted and accepted in September, never answered: the sweep flags it overdue on 10-28."""
    import time_machine

    from lianxin.appeals import services
    from lianxin.appeals.actors import Actor
    from lianxin.appeals.sweeps import sweep_deadlines

    from .conftest import at

    s = october.s
    appeal = s.submit("2026-09-24 08:00", title="九月井盖缺失")
    s.do(
        "2026-09-24 09:00",
        services.appeal_dispatch,
        appeal,
        Actor.staff(district.dispatcher),
        unit=district.unit_city,
    )
    s.do("2026-09-24 09:30", services.appeal_accept, appeal, Actor.staff(district.handler_city))
    with time_machine.travel(at("2026-10-28 10:00"), tick=False):
        assert sweep_deadlines()["overdue"] == 1
    return appeal


def test_cases_say_which_event_put_them_in_the_period(october, late_from_september):
    data = report_content(Period.parse("2026-10"), None)
    overdue = [c for c in data["cases"]["bad"] if c["why"] == "overdue"]
    # fewer than 3 appeals submitted in October went overdue: the September one fills the last place
    assert [c["tracking_number"] for c in overdue] == [
        october.overdue.tracking_number,
        october.reopened.tracking_number,
        late_from_september.tracking_number,
    ]
    september = overdue[-1]
    assert september["submitted"] == "2026-09-24"
    assert september["event_date"] == "2026-10-28"
    assert september["submitted_in_period"] is False
    assert overdue[0]["submitted_in_period"] is True
    assert overdue[0]["event_date"] == "2026-10-28"  # all three flagged by the sweep of 10-28
    false_closure = next(c for c in data["cases"]["bad"] if c["why"] == "false_closure")
    assert false_closure["event_date"] == "2026-10-29"  # the follow-up call
    good = data["cases"]["good"][0]
    assert (good["submitted"], good["event_date"]) == ("2026-10-12", "2026-10-12")  # rated the same day
    finding = next(
        c for c in data["overdue"]["cases"] if c["tracking_number"] == late_from_september.tracking_number
    )
    assert finding["event_date"] == "2026-10-28"

    from lianxin.reports.rendering import case_when

    assert case_when(september) == "2026-09-24 受理，本期 2026-10-28 超期"
    assert case_when({**september, "event_date": ""}) == ""  # snapshots from before the field: nothing


def test_appeals_submitted_in_the_period_are_preferred(october, late_from_september, monkeypatch):
    from lianxin.reports import selectors

    monkeypatch.setattr(selectors, "CASES_PER_KIND", 2)
    data = report_content(Period.parse("2026-10"), None)
    overdue = [c["tracking_number"] for c in data["cases"]["bad"] if c["why"] == "overdue"]
    # enough October appeals: the September one, though submitted first, is left out
    assert overdue == [october.overdue.tracking_number, october.reopened.tracking_number]


def test_the_event_is_shown_beside_the_submission_date(october, late_from_september):
    from lianxin.reports import rendering, services

    report = services.report_generate(
        period=Period.parse("2026-10"), area=None, actor=SERVER, queue_pdf=False
    )
    html = rendering.render_html(report)
    assert "2026-09-24 受理，本期 2026-10-28 超期" in html
    assert "2026-10-12 受理，本期 2026-10-12 评价满意" in html
