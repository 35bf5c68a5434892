"""Import dry run and real run with bad rows; coverage on a hand-built calendar; the sweep."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianxin.core.errors import ValidationFailedError
from lianxin.notifications.models import Notification
from lianxin.outreach import coverage, selectors
from lianxin.outreach.importer import households_import
from lianxin.outreach.models import CoverageRule, Household, Member, SpecialGroup, Visit
from lianxin.outreach.sweeps import sweep_coverage
from lianxin.worktime.models import CalendarDay

from .factories import assign, household

CSV = """网格编码,楼栋,单元,房号,姓名,关系,电话,身份证号,重点人群,详细地址
G1,7,1,301,陈阿婆,户主,13811110001,,独居老人,幸福路 100 号
G1,7,1,302,刘大爷,户主,13811110002,,退役军人、低保,
G1,7,1,302,刘小宝,孙子女,,,留守儿童,
G1,7,1,303,马先生,户主,1381111222,,,
G9,1,1,101,钱女士,户主,13811110004,,,
G1,3,,201,重复户,户主,13811110005,,,
G2,1,1,101,别的网格,户主,13811110006,,,
G1,7,1,304,吴女士,朋友,13811110007,,,
"""


def _run(outreach, dry_run, content=None, name="register.csv"):
    return households_import(
        actor=outreach.d.grid_worker_a, name=name, content=content or CSV.encode(), dry_run=dry_run
    )


@pytest.mark.django_db
def test_dry_run_lists_every_refused_row_and_writes_nothing(outreach):
    before = Household.objects.count()
    report = _run(outreach, dry_run=True)
    assert report.rows == 8
    assert report.households == 2
    assert report.members == 3
    reasons = {r.line: r.reason for r in report.refused}
    assert set(reasons) == {5, 6, 7, 8, 9}
    assert "电话" in reasons[5]
    assert "G9" in reasons[6]
    assert "不存在" in reasons[6]
    assert "重复" in reasons[7]
    assert "G2" in reasons[8] or "网格" in reasons[8]
    assert "关系" in reasons[9]
    assert Household.objects.count() == before


@pytest.mark.django_db
def test_real_run_writes_the_good_households_encrypted(outreach):
    report = _run(outreach, dry_run=False)
    assert len(report.refused) == 5
    assert report.households == 2
    liu = Household.objects.get(grid=outreach.d.grid_a, building="7", room="302")
    assert sorted(g.group for g in liu.groups.all()) == ["left_behind_child", "low_income", "veteran"]
    assert sorted(m.name for m in liu.members.all()) == ["刘大爷", "刘小宝"]
    assert not Member.objects.filter(name="刘大爷").exists()  # encrypted: no equality match on the column
    again = _run(outreach, dry_run=True)  # the same file again: now every row is a duplicate or bad
    assert again.households == 0


@pytest.mark.django_db
def test_xlsx_and_bad_files(outreach):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one (active) sheet
    sheet.append(["grid", "building", "unit", "room", "name", "phone"])
    sheet.append(["G1", "8", "1", "101", "周先生", "13811119999"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = _run(outreach, dry_run=False, content=buffer.getvalue(), name="r.xlsx")
    assert report.households == 1
    assert not report.refused
    with pytest.raises(ValidationFailedError):
        _run(outreach, dry_run=True, content=b"not a workbook", name="r.xlsx")
    with pytest.raises(ValidationFailedError):
        _run(outreach, dry_run=True, content=b"a,b\n1,2\n", name="r.csv")  # no required columns
    with pytest.raises(ValidationFailedError):
        _run(outreach, dry_run=True, content=b"x", name="r.txt")


@pytest.mark.django_db
def test_cli_dry_run_then_real_run(outreach, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("outreach", "import", str(path), "--dry-run", "--user", "grid_a", stdout=out)
    assert "would import 2 households" in out.getvalue()
    assert "line 6:" in out.getvalue()
    assert not Household.objects.filter(building="7").exists()
    call_command("outreach", "import", str(path), "--user", "grid_a", stdout=io.StringIO())
    assert Household.objects.filter(building="7").count() == 2
    with pytest.raises(CommandError):
        call_command("outreach", "import", str(tmp_path / "missing.csv"), "--user", "grid_a")
    with pytest.raises(CommandError):
        call_command("outreach", "import", str(path), "--user", "nobody")


# --- coverage on a hand-built calendar -----------------------------------------------------------------


@pytest.mark.django_db
def test_rule_choice_group_before_general_deeper_area_first(outreach):
    d = outreach.d
    CoverageRule.objects.create(area=None, group="", interval_days=60)
    CoverageRule.objects.create(area=d.street_a, group="", interval_days=45)
    CoverageRule.objects.create(area=None, group=SpecialGroup.ELDERLY_ALONE, interval_days=14)
    CoverageRule.objects.create(area=d.community_a, group=SpecialGroup.ELDERLY_ALONE, interval_days=7)
    CoverageRule.objects.create(area=None, group=SpecialGroup.VETERAN, interval_days=30)
    rules = coverage.load_rules()
    assert coverage.rule_for(rules, d.grid_a.path, frozenset()).interval_days == 45
    assert coverage.rule_for(rules, d.grid_b.path, frozenset()).interval_days == 60
    assert coverage.rule_for(rules, d.grid_a.path, frozenset({"elderly_alone"})).interval_days == 7
    assert (
        coverage.rule_for(rules, d.grid_b.path, frozenset({"elderly_alone", "veteran"})).interval_days == 14
    )
    assert coverage.rule_for([], d.grid_b.path, frozenset()).interval_days == coverage.DEFAULT_INTERVAL_DAYS


@pytest.mark.django_db
def test_working_day_rule_skips_weekends_and_holidays(outreach):
    d = outreach.d
    CoverageRule.objects.create(area=d.community_a, group="", interval_days=3, working_days=True)
    CoverageRule.objects.create(area=d.community_b, group="", interval_days=3, working_days=False)
    # Friday 2026-03-06; Monday 03-09 declared a holiday
    CalendarDay.objects.create(date=dt.date(2026, 3, 9), is_workday=False, note="test holiday")
    from lianxin.worktime import calendar

    calendar.clear_cache()
    friday = dt.date(2026, 3, 6)
    Visit.objects.create(household=outreach.house_a, cadre=outreach.cadre, visited_on=friday)
    Visit.objects.create(household=outreach.house_b, cadre=outreach.cadre, visited_on=friday)
    rows = {r.household_id: r for r in coverage.coverage_rows(Household.objects.all(), dt.date(2026, 3, 10))}
    assert rows[outreach.house_a.pk].due_on == dt.date(2026, 3, 12)  # Tue 10, Wed 11, Thu 12
    assert rows[outreach.house_b.pk].due_on == dt.date(2026, 3, 9)  # calendar days
    assert rows[outreach.house_b.pk].state == coverage.State.OVERDUE
    assert rows[outreach.house_a.pk].state == coverage.State.DUE_SOON
    # a visit after "today" does not count
    Visit.objects.create(household=outreach.house_b, cadre=outreach.cadre, visited_on=dt.date(2026, 3, 20))
    later = {r.household_id: r for r in coverage.coverage_rows(Household.objects.all(), dt.date(2026, 3, 10))}
    assert later[outreach.house_b.pk].last_visit == friday


@pytest.mark.django_db
def test_never_visited_counts_from_registration_and_dashboard_rolls_up(outreach):
    d = outreach.d
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    CoverageRule.objects.create(area=None, group=SpecialGroup.ELDERLY_ALONE, interval_days=10)
    lonely = household(d.grid_a, room="301", groups=("elderly_alone",), registered_on=dt.date(2026, 2, 1))
    assign(outreach.cadre, lonely)
    today = dt.date(2026, 2, 20)
    Visit.objects.create(household=outreach.house_a, cadre=outreach.cadre, visited_on=dt.date(2026, 2, 10))
    board = selectors.coverage_dashboard(d.admin, area=None, level="street", today=today)
    total = board["total"]
    assert (total.total, total.in_time, total.overdue) == (3, 1, 2)  # house_b registered 01-05, never visited
    by_street = {path: t for path, _name, t in board["areas"]}
    assert by_street["D1/S1"].as_dict()["by_group"]["elderly_alone"] == {
        "total": 1,
        "in_time": 0,
        "share": 0.0,
    }
    assert by_street["D1/S1"].share == 0.5
    assert by_street["D1/S2"].share == 0.0
    cadres = {pk: t for pk, _name, t in board["cadres"]}
    assert cadres[outreach.cadre.pk].total == 2
    assert cadres[outreach.cadre.pk].in_time == 1
    mine = selectors.my_households(outreach.cadre, today)
    assert [line.household for line in mine] == [lonely, outreach.house_a]  # overdue first
    assert mine[0].groups == ["独居老人"]


@pytest.mark.django_db
def test_dashboard_refuses_areas_outside_the_users_reach(outreach):
    from lianxin.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        selectors.coverage_dashboard(
            outreach.leader_a, area=outreach.d.street_b, level="community", today=dt.date(2026, 2, 20)
        )
    board = selectors.coverage_dashboard(
        outreach.leader_a, area=None, level="community", today=dt.date(2026, 2, 20)
    )
    assert board["total"].total == 1  # street A only


@pytest.mark.django_db(transaction=True)
def test_sweep_notifies_the_cadre_once_and_grid_workers_of_gaps(outreach):
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    today = dt.date(2026, 3, 1)
    first = sweep_coverage(today)
    assert first == {"overdue_new": 2, "cadres_notified": 1, "unassigned": 1}
    assert Notification.objects.filter(user=outreach.cadre, kind="outreach_overdue").count() == 1
    assert Notification.objects.filter(user=outreach.grid_worker_b, kind="outreach_gap").count() == 1
    assert not Notification.objects.filter(user=outreach.d.grid_worker_a, kind="outreach_gap").exists()
    assert sweep_coverage(today)["overdue_new"] == 0  # told once per due date
    assert Notification.objects.filter(user=outreach.cadre, kind="outreach_overdue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_dashboards_read_the_sweeps_rollups_and_agree_with_live(outreach):
    from django.utils import timezone

    from lianxin.outreach.models import CoverageRollup

    d = outreach.d
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    CoverageRule.objects.create(area=None, group=SpecialGroup.ELDERLY_ALONE, interval_days=10)
    today = timezone.localdate()
    lonely = household(
        d.grid_a, room="301", groups=("elderly_alone",), registered_on=today - dt.timedelta(days=20)
    )
    assign(outreach.cadre, lonely)
    Household.objects.filter(pk=outreach.house_a.pk).update(last_visited_on=today - dt.timedelta(days=2))

    def board(user, area=None, level="community"):
        result = selectors.coverage_dashboard(user, area=area, level=level, today=today)
        return (
            result["total"].as_dict(),
            [(p, t.as_dict()) for p, _n, t in result["areas"]],
            [(pk, t.as_dict()) for pk, _n, t in result["cadres"]],
            result["computed_at"],
        )

    cases = [
        (d.admin, None, "street"),
        (d.admin, d.street_a, "community"),
        (outreach.leader_a, None, "grid"),
        (outreach.community_staff_a, None, "grid"),
        (d.admin, d.community_b, "grid"),
    ]
    live = [board(*case) for case in cases]
    assert all(result[3] is None for result in live)  # no rollup yet: computed live
    sweep_coverage(today)
    assert CoverageRollup.objects.filter(day=today, kind="area", area_path="D1").get().total == 3
    rolled = [board(*case) for case in cases]
    assert all(result[3] is not None for result in rolled)  # read from the rollups
    assert [r[:3] for r in rolled] == [r[:3] for r in live]
    assert live[0][0]["total"] == 3
    assert live[0][0]["overdue"] == 2
    # a grid worker's grid is below a community: still computed live, and right
    grid_board = board(d.grid_worker_a)
    assert grid_board[3] is None
    assert grid_board[0]["total"] == 2


@pytest.mark.django_db(transaction=True)
def test_dashboard_lists_the_cadres_most_behind_live_and_from_rollups(outreach, monkeypatch):
    from django.utils import timezone

    from lianxin.outreach import rollups

    d = outreach.d
    today = timezone.localdate()
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    Household.objects.filter(pk=outreach.house_a.pk).update(last_visited_on=today)  # cadre: all in time
    behind = household(d.grid_a, room="309", registered_on=today - dt.timedelta(days=60))
    assign(outreach.other_cadre, behind)  # cadre2: all overdue
    monkeypatch.setattr(rollups, "CADRE_LIMIT", 1)
    for _round in ("live", "rollups"):
        board = selectors.coverage_dashboard(d.admin, area=None, level="street", today=today)
        assert board["cadre_count"] == 2
        assert [pk for pk, _n, _t in board["cadres"]] == [outreach.other_cadre.pk]
        assert (board["computed_at"] is None) == (_round == "live")
        sweep_coverage(today)


@pytest.mark.django_db(transaction=True)
def test_a_user_with_two_areas_gets_the_same_figures_live_and_from_rollups(outreach):
    from django.utils import timezone

    from lianxin.org.models import Role

    from .factories import role

    d = outreach.d
    today = timezone.localdate()
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    assign(outreach.other_cadre, outreach.house_b)
    two = outreach.other_cadre
    role(two, Role.LEADER, area=d.street_a)
    role(two, Role.LEADER, area=d.community_b)

    def board():
        result = selectors.coverage_dashboard(two, area=None, level="community", today=today)
        return (
            result["total"].as_dict(),
            [(p, t.as_dict()) for p, _n, t in result["areas"]],
            [(pk, t.as_dict()) for pk, _n, t in result["cadres"]],
            result["cadre_count"],
        )

    live = board()
    sweep_coverage(today)
    assert board() == live
    assert live[0]["total"] == 2
    assert live[3] == 2
