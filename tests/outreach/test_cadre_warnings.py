"""The warning for a cadre with overdue visits: raised by the coverage sweep once per cadre and
month, resolved when they catch up, shown on the warnings page to overseers of that area only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lianxin.notifications.models import Notification
from lianxin.outreach.models import CoverageRule, Household, Visit
from lianxin.outreach.sweeps import sweep_coverage
from lianxin.supervision import alerts
from lianxin.supervision.models import RaisedWarning, WarningRule, WarningStatus
from lianxin.supervision.warning_kinds import RuleKind

from .factories import assign, household

MARCH = dt.date(2026, 3, 1)  # households registered on 2026-01-05, every 30 days: overdue since 02-05


def _cadre_with(outreach, n: int) -> list[Household]:
    """The cadre's households: house_a plus n - 1 more in the same grid."""
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    # the default rule (migration 0008); a transactional test's flush may have removed it
    WarningRule.objects.get_or_create(
        kind=RuleKind.CADRE_VISITS_OVERDUE, defaults={"name": "走访", "threshold": 3}
    )
    houses = [outreach.house_a]
    for i in range(n - 1):
        h = household(outreach.d.grid_a, room=f"30{i}", phone=f"1381234000{i}")
        assign(outreach.cadre, h)
        houses.append(h)
    return houses


def _visit(outreach, houses: list[Household], on: dt.date) -> None:
    for h in houses:
        Visit.objects.create(household=h, cadre=outreach.cadre, visited_on=on)


def _warnings() -> list[RaisedWarning]:
    return list(RaisedWarning.objects.filter(rule__kind=RuleKind.CADRE_VISITS_OVERDUE).order_by("pk"))


def _told(user) -> int:
    return Notification.objects.filter(user=user, kind="outreach_warning").count()


@pytest.mark.django_db(transaction=True)
def test_raised_with_the_cadre_count_and_community_and_notifies_cadre_and_community(outreach):
    _cadre_with(outreach, 4)  # the default rule: more than 3
    counts = sweep_coverage(MARCH)
    assert counts["warnings_raised"] == 1
    [w] = _warnings()
    assert w.status == WarningStatus.OPEN
    assert w.subject_key == f"cadre:{outreach.cadre.pk}@2026-03"
    assert (w.cadre, w.area, w.unit, w.value) == (
        outreach.cadre,
        outreach.d.community_a,
        outreach.committee_a,
        4.0,
    )
    assert w.message == f"{outreach.cadre} 联系的 4 户已超过走访周期（预警线 3 户）"
    assert (alerts.message_params(RuleKind.CADRE_VISITS_OVERDUE, w.message) or ("", {}))[1] == {
        "cadre": str(outreach.cadre),
        "n": "4",
        "ceiling": "3",
    }
    assert _told(outreach.cadre) == 1
    assert _told(outreach.community_staff_a) == 1
    for bystander in (
        outreach.other_cadre,
        outreach.grid_worker_b,
        outreach.d.grid_worker_a,
        outreach.leader_a,
    ):
        assert _told(bystander) == 0


@pytest.mark.django_db(transaction=True)
def test_threshold_is_the_rules(outreach):
    _cadre_with(outreach, 4)
    WarningRule.objects.filter(kind=RuleKind.CADRE_VISITS_OVERDUE).update(threshold=4)
    sweep_coverage(MARCH)
    assert _warnings() == []  # 4 is not more than 4
    WarningRule.objects.filter(kind=RuleKind.CADRE_VISITS_OVERDUE).update(threshold=1)
    sweep_coverage(MARCH)
    assert len(_warnings()) == 1
    WarningRule.objects.filter(kind=RuleKind.CADRE_VISITS_OVERDUE).update(active=False)
    sweep_coverage(MARCH + dt.timedelta(days=1))
    assert [w.status for w in _warnings()] == [WarningStatus.OPEN]  # an inactive rule is left alone


@pytest.mark.django_db(transaction=True)
def test_not_raised_twice_in_a_period_even_after_catching_up(outreach):
    houses = _cadre_with(outreach, 4)
    sweep_coverage(MARCH)
    counts = sweep_coverage(MARCH + dt.timedelta(days=1))  # still behind: the same warning, kept open
    assert "warnings_raised" not in counts
    assert len(_warnings()) == 1
    assert _told(outreach.cadre) == 1
    alerts.evaluate_warnings()  # supervision's own evaluation leaves pushed warnings alone
    assert _warnings()[0].status == WarningStatus.OPEN

    _visit(outreach, houses, dt.date(2026, 3, 2))
    assert sweep_coverage(dt.date(2026, 3, 3))["warnings_cleared"] == 1
    # behind again in the same month (those visits struck off the log)
    Visit.objects.all().delete()
    sweep_coverage(dt.date(2026, 3, 20))
    assert [w.status for w in _warnings()] == [WarningStatus.CLEARED]  # once per cadre per month
    assert _told(outreach.cadre) == 1

    sweep_coverage(dt.date(2026, 4, 2))  # a new month: raised anew
    ws = _warnings()
    assert [w.status for w in ws] == [WarningStatus.CLEARED, WarningStatus.OPEN]
    assert ws[1].subject_key.endswith("@2026-04")
    assert _told(outreach.cadre) == 2


@pytest.mark.django_db(transaction=True)
def test_an_open_warning_carries_into_the_next_month_until_resolved(outreach):
    houses = _cadre_with(outreach, 5)
    sweep_coverage(MARCH)
    sweep_coverage(dt.date(2026, 4, 1))
    [w] = _warnings()  # one warning, not one per month, while they stay behind
    assert w.status == WarningStatus.OPEN
    assert w.subject_key.endswith("@2026-03")
    assert _told(outreach.cadre) == 1

    _visit(outreach, houses[:2], dt.date(2026, 4, 1))  # 3 left overdue: not more than 3
    counts = sweep_coverage(dt.date(2026, 4, 2))
    assert counts["warnings_cleared"] == 1
    [w] = _warnings()
    assert w.status == WarningStatus.CLEARED
    assert w.cleared_at is not None


def _page(user, status: str = "open"):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/supervision/warnings/?status={status}")


@pytest.mark.django_db(transaction=True)
def test_shown_to_overseers_of_the_area_and_refused_to_the_rest(outreach):
    _cadre_with(outreach, 4)
    sweep_coverage(MARCH)
    for overseer in (outreach.d.supervisor, outreach.leader_a, outreach.d.admin):
        response = _page(overseer)
        body = response.content.decode()
        assert response.status_code == 200
        assert f"{outreach.cadre} · 幸福社区 · 4 户超期" in body
        assert "4 户已超过走访周期" in body
    other_leader = _page(outreach.d.leader_b)  # another street's leader: the page, not the warning
    assert other_leader.status_code == 200
    assert "4 户超期" not in other_leader.content.decode()
    # the cadre, the community's staff, grid workers and residents get the notification or nothing
    for user in (outreach.cadre, outreach.community_staff_a, outreach.d.grid_worker_a, outreach.d.resident):
        assert _page(user).status_code == 403
    assert _page(None).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_shown_in_english(outreach):
    _cadre_with(outreach, 4)
    sweep_coverage(MARCH)
    client = Client()
    client.force_login(outreach.d.supervisor)
    client.cookies["django_language"] = "en"
    body = client.get("/supervision/warnings/").content.decode()
    assert "4 overdue households" in body
    assert "4 households of" in body
    assert "warning above 3" in body
