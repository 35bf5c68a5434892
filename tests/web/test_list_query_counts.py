"""The staff lists cost the same number of queries for 2 rows as for 12 (issue 11)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lianxin.appeals.models import ExtensionRequest, ExtensionStatus, Status
from lianxin.notifications.models import Notification
from tests.factories import AppealFactory
from tests.querycount import queries_of

pytestmark = pytest.mark.django_db


def _appeals(district, n, status=Status.SUBMITTED, **extra):
    return [
        AppealFactory(
            category=district.cat_light,
            area=district.grid_a,
            unit=district.unit_city,
            status=status,
            title=f"路灯不亮 {i}",
            **extra,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("queue", "params"),
    [
        ("to_dispatch", {}),
        ("all", {"category": "CJ", "area": "S1", "kind": "complaint", "q": "路灯"}),
        ("all", {"date_from": "2000-01-01", "date_to": "2100-01-01", "channel": "web"}),
    ],
)
def test_queue_queries_do_not_grow_with_rows(
    client_for, district, django_assert_max_num_queries, queue, params
):
    c = client_for(district.admin)
    first = _appeals(district, 2)
    few = queries_of(c, f"/staff/queue/{queue}/", params)
    more = _appeals(district, 10)
    with django_assert_max_num_queries(few):
        body = c.get(f"/staff/queue/{queue}/", params).content.decode()
    assert all(a.tracking_number in body for a in first + more)


def test_extension_queue_queries_do_not_grow(client_for, district, django_assert_max_num_queries):
    def pending(n):
        appeals = _appeals(district, n, status=Status.ACCEPTED)
        for a in appeals:
            ExtensionRequest.objects.create(
                appeal=a,
                unit=district.unit_city,
                working_days=3,
                reason="材料未齐",
                status=ExtensionStatus.PENDING,
                requested_by=district.handler_city,
                requested_at=timezone.now(),
            )
        return appeals

    c = client_for(district.dispatcher)
    first = pending(2)
    few = queries_of(c, "/staff/queue/extensions/")
    more = pending(8)
    with django_assert_max_num_queries(few):
        body = c.get("/staff/queue/extensions/").content.decode()
    assert all(a.tracking_number in body for a in first + more)


def test_notifications_queries_do_not_grow(client_for, district, django_assert_max_num_queries):
    def notify(n, start):
        Notification.objects.bulk_create(
            [
                Notification(user=district.dispatcher, title=f"新诉求待派单 {start + i}", link="/staff/")
                for i in range(n)
            ]
        )

    c = client_for(district.dispatcher)
    notify(2, 0)
    few = queries_of(c, "/staff/notifications/")
    notify(20, 2)
    with django_assert_max_num_queries(few):
        body = c.get("/staff/notifications/").content.decode()
    assert "新诉求待派单 0" in body
    assert "新诉求待派单 21" in body
