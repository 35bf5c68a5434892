"""Mediation figures by dispute type, community and mediator: the indicators' definitions per group,
on the staff figures page (with a month) and in the monthly report (no names there)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.mediation.breakdowns import as_dicts, breakdown, report_tables
from lianxin.mediation.models import DisputeType, Status
from lianxin.reports.selectors import indicator_sections
from lianxin.supervision.selectors import Period

from .factories import CaseFactory, mediator

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def at(day: int, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


@pytest.fixture
def cases(district):
    zhao = mediator(district.community_a)
    qian = mediator(district.community_b, username="mediator_qian")
    qian.display_name = "调解员老钱"
    qian.save()
    a, b = district.community_a, district.community_b
    CaseFactory(
        area=a,
        mediator=zhao,
        status=Status.CLOSED,
        opened_at=at(25, 9),
        agreed_at=at(5),
        closed_at=at(15),
        agreement_kept=True,
    )  # agreed + closed in October after 20 days (opened in September)
    CaseFactory(area=a, mediator=zhao, status=Status.AGREED, opened_at=at(2), agreed_at=at(9))
    CaseFactory(
        area=b,
        mediator=qian,
        dispute_type=DisputeType.PROPERTY,
        status=Status.REFERRED,
        opened_at=at(10),
        closed_at=at(14),
    )
    CaseFactory(
        area=a, dispute_type=DisputeType.FAMILY, status=Status.WITHDRAWN, opened_at=at(20), closed_at=at(21)
    )
    CaseFactory(area=b, dispute_type=DisputeType.PROPERTY, status=Status.REQUESTED, opened_at=at(30))
    CaseFactory(
        area=a, status=Status.CLOSED, opened_at=at(1, 8), agreed_at=at(1, 9), closed_at=at(30, 9)
    )  # before
    return district


def test_by_type(cases):
    rows = {r["name"]: r for r in as_dicts(breakdown(None, START, END, by="type"))}
    assert set(rows) == {"邻里纠纷", "物业纠纷", "婚姻家庭纠纷"}
    neighbour = rows["邻里纠纷"]
    assert (neighbour["opened"], neighbour["agreed"], neighbour["referred"], neighbour["withdrawn"]) == (
        1,
        2,
        0,
        0,
    )
    assert neighbour["agreement_rate"] == 1.0
    assert neighbour["median_days_to_close"] == 20.0
    prop = rows["物业纠纷"]
    assert (prop["opened"], prop["agreed"], prop["referred"]) == (2, 0, 1)
    assert prop["agreement_rate"] == 0.0
    assert prop["median_days_to_close"] == 4.0
    assert rows["婚姻家庭纠纷"]["withdrawn"] == 1
    assert rows["婚姻家庭纠纷"]["agreement_rate"] is None


def test_by_community_and_mediator_and_scope(cases):
    community = {r.name: r for r in breakdown(None, START, END, by="community")}
    assert community["幸福社区"].agreed == 2
    assert community["和平社区"].referred == 1
    only_b = breakdown((cases.street_b.path,), START, END, by="community")
    assert [r.name for r in only_b] == ["和平社区"]
    people = {r.name: r for r in breakdown(None, START, END, by="mediator")}
    assert set(people) == {"调解员老赵", "调解员老钱"}  # the unassigned withdrawal is not a mediator's
    assert people["调解员老赵"].agreement_rate == 1.0
    assert people["调解员老钱"].agreement_rate == 0.0


def test_the_monthly_report_shows_type_and_community_tables_without_names(cases):
    tables = report_tables(None, START, END)
    assert [t.title for t in tables] == ["按纠纷类型", "按社区"]
    section = next(s for s in indicator_sections(Period.month(2026, 10), None) if s["source"] == "mediation")
    assert [t["title"] for t in section["tables"]] == ["按纠纷类型", "按社区"]
    flat = str(section["tables"])
    assert "调解员老赵" not in flat
    assert "邻里纠纷" in flat
    assert "100.0%" in flat


def test_staff_figures_page_for_a_month(cases, settings):
    settings.AXES_ENABLED = False
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")
    client.force_login(cases.supervisor)
    page = client.get("/mediation/staff/figures/?month=2026-10").content.decode()
    for text in ("按纠纷类型", "物业纠纷", "调解员老赵", "和平社区", 'value="2026-10"'):
        assert text in page
    empty = client.get("/mediation/staff/figures/?month=2026-03").content.decode()
    assert "调解员老赵" not in empty
    assert "本月没有案件" in empty
    bad = client.get("/mediation/staff/figures/?month=October")
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.content.decode()
