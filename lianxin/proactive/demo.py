"""`lianxin seed`: a few notices and planned works (停水停电、施工) in the demo district, published by
grid workers for their grids over the coming days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lianxin.org.models import Role, RoleAssignment

from .models import Notice
from .notices import notice_publish

NOTICES = (
    ("water", "{area}计划停水", "更换小区主供水管，停水期间请提前储水；如有困难请联系网格员。", 9, 8),
    ("power", "{area}线路检修停电", "供电公司检修线路，电梯暂停运行；行动不便的老人请提前告知网格员。", 8, 4),
    ("works", "{area}道路施工", "小区北门道路翻修，施工期间请绕行南门；夜间不施工。", 7, 72),
)


def seed_notices() -> int:
    """One notice of each kind, for the first grid workers' grids, over the coming days by the real
    clock (a seed `--now` in the past would make them over already); nothing when notices exist."""
    now = timezone.localtime()
    if Notice.objects.exists():
        return 0
    workers = list(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, area__isnull=False)
        .select_related("user", "area")
        .order_by("area__path")[: len(NOTICES)]
    )
    made = 0
    for day, ((kind, title, body, hour, hours), worker) in enumerate(
        zip(NOTICES, workers, strict=False), start=1
    ):
        assert worker.area is not None
        start = (now + dt.timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
        notice_publish(
            actor=worker.user,
            kind=kind,
            title=title.format(area=worker.area.name),
            body=body,
            area=worker.area,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
        )
        made += 1
    return made
