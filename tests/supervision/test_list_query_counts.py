"""The supervision lists and the drill-down cost the same number of queries for 2 rows as for 10
(issue 11): warnings, weak replies, orders, follow-ups, the appeals behind a figure."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from lianxin.appeals.models import AppealEvent, Status
from lianxin.supervision import rollups
from lianxin.supervision.models import FollowUp, RaisedWarning, SupervisionOrder, WarningRule
from tests.factories import AppealFactory
from tests.querycount import queries_of

from .conftest import History, at

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)


def _appeal(d, **extra):
    return AppealFactory(
        area=d.grid_a, category=d.cat_light, unit=d.unit_city, title=f"井盖缺失 {next(_serial)}", **extra
    )


def _warnings(d, n):
    made = []
    for _ in range(n):
        appeal = _appeal(d, status=Status.ACCEPTED, overdue=True)
        rule = WarningRule.objects.get(kind="appeal_overdue")
        made.append(
            RaisedWarning.objects.create(
                rule=rule,
                subject_key=f"appeal:{appeal.pk}",
                appeal=appeal,
                unit=d.unit_city,
                message=f"{appeal.tracking_number} 已超过办结时限（2026-05-06 09:00）",
                raised_at=timezone.now(),
            )
        )
        rule = WarningRule.objects.get(kind="unit_overdue_high")
        RaisedWarning.objects.create(
            rule=rule,
            subject_key=f"unit:{appeal.pk}",
            unit=d.unit_city,
            area=d.street_a,
            message="超期件偏多",
            raised_at=timezone.now(),
        )
    return [w.appeal.tracking_number for w in made if w.appeal is not None]


def _weak_replies(d, n):
    made = []
    for _ in range(n):
        appeal = _appeal(d, status=Status.REPLIED)
        AppealEvent.objects.create(
            appeal=appeal,
            type="replied",
            at=timezone.now(),
            unit=d.unit_city,
            data={
                "reply_quality": {"overall": 0.2, "relevance": 0.1, "completeness": 0.3, "reasons": ["套话"]}
            },
        )
        made.append(appeal.tracking_number)
    return made


def _orders(d, n):
    made = []
    for _ in range(n):
        appeal = _appeal(d, status=Status.ACCEPTED)
        number = f"DB{next(_serial):06d}"
        SupervisionOrder.objects.create(
            number=number,
            title="请尽快办理",
            instructions="三日内反馈",
            unit=d.unit_city,
            appeal=appeal,
            due_working_days=3,
            due_at=timezone.now() + dt.timedelta(days=3),
            created_by=d.supervisor,
            created_at=timezone.now(),
        )
        made.append(number)
    return made


def _follow_ups(d, n):
    made = []
    for _ in range(n):
        appeal = _appeal(d, status=Status.CLOSED)
        FollowUp.objects.create(appeal=appeal, unit=d.unit_city, reason="sampled", sampled_at=timezone.now())
        made.append(appeal.tracking_number)
    return made


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/supervision/warnings/", _warnings),
        ("/supervision/replies/", _weak_replies),
        ("/supervision/orders/", _orders),
        ("/supervision/follow-ups/", _follow_ups),
    ],
)
def test_supervision_lists_do_not_grow_with_rows(client, district, django_assert_max_num_queries, url, make):
    client.force_login(district.supervisor)
    first = make(district, 2)
    few = queries_of(client, url)
    more = make(district, 8)
    with django_assert_max_num_queries(few):
        body = client.get(url).content.decode()
    assert all(key in body for key in first + more)


@pytest.mark.parametrize("who", ["supervisor", "handler_city"])
def test_drilldown_does_not_grow_with_rows(client, district, django_assert_max_num_queries, who):
    def received(n):
        made = []
        for i in range(n):
            h = History(
                area=district.grid_a,
                category=district.cat_light,
                submitted=at(f"2026-05-0{1 + i % 8} 09:00"),
                title=f"路灯不亮 {next(_serial)}",
            )
            h.dispatch(at(f"2026-05-0{1 + i % 8} 10:00"), district.unit_city)
            made.append(h.appeal.tracking_number)
        rollups.process_events(settle_seconds=0)
        return made

    client.force_login(getattr(district, who))
    params = {"figure": "assigned", "period": "2026-05", "category": district.cat_city.pk}
    first = received(2)
    few = queries_of(client, "/supervision/drill/", params)
    more = received(8)
    with django_assert_max_num_queries(few):
        body = client.get("/supervision/drill/", params).content.decode()
    assert all(key in body for key in first + more)
