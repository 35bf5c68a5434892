"""A hand-built October 2026 (and a little of September) moved through the real appeal services
at chosen times, then folded into the KPI rollups the reports read."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal
from lianxin.appeals.sweeps import sweep_deadlines
from lianxin.supervision import rollups
from lianxin.supervision.models import FollowUp
from lianxin.supervision.services import follow_up_record
from lianxin.worktime.calendar import TZ
from tests.appeals.test_sweeps import celery_on_redis  # noqa: F401  (a real worker on Redis)


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


class Story:
    """Runs service calls with the clock set to given local times."""

    def __init__(self, district):
        self.d = district

    def submit(
        self,
        when: str,
        *,
        title: str,
        area: str = "G1",
        category: str = "CJ-LD",
        phone: str = "13812341234",
        name: str = "张三",
    ) -> Appeal:
        data = AppealInput(
            title=title,
            text=f"{title}。联系人{name}，电话{phone}，请尽快处理。",
            kind="complaint",
            channel="web",
            category_code=category,
            area_code=area,
            contact_name=name,
            contact_phone=phone,
            contact_consent=True,
        )
        with time_machine.travel(at(when), tick=False):
            return appeal_submit(data=data, actor=Actor.resident()).appeal

    def do(self, when: str, fn, appeal: Appeal, actor: Actor, **kw) -> Appeal:
        with time_machine.travel(at(when), tick=False):
            result = fn(appeal=Appeal.objects.get(pk=appeal.pk), actor=actor, **kw)
        return result if isinstance(result, Appeal) else Appeal.objects.get(pk=appeal.pk)

    def handled(
        self,
        appeal: Appeal,
        *,
        day: str,
        unit,
        handler,
        satisfaction: str | None,
        solved: bool = True,
        reply_day: str | None = None,
    ) -> Appeal:
        d = self.d
        self.do(f"{day} 09:10", services.appeal_dispatch, appeal, Actor.staff(d.dispatcher), unit=unit)
        self.do(f"{day} 09:40", services.appeal_accept, appeal, Actor.staff(handler))
        self.do(
            f"{reply_day or day} 15:00",
            services.appeal_reply,
            appeal,
            Actor.staff(handler),
            text="已处理完毕。",
        )
        if satisfaction:
            self.do(
                f"{reply_day or day} 18:00",
                services.appeal_rate,
                appeal,
                Actor.resident(),
                satisfaction=satisfaction,
                solved=solved,
            )
        return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def october(district, settings):
    """September: 2 appeals, both closed satisfied. October:
    - good: submitted 10-12, closed satisfied the same day (城管局)
    - dissatisfied: sent to 生态环境局 first (returned), then 城管局; dissatisfied, unsolved; the
      follow-up call finds it not solved (a false closure)
    - overdue: 城管局 accepts on 10-13 and never replies (the sweep flags it overdue)
    - reopened: 西街道 (G2), 环境保护, closed 'basic', then reopened by the resident
    - withdrawn by the resident
    """
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    d = district
    s = Story(d)
    for day in ("2026-09-14", "2026-09-15"):
        s.handled(
            s.submit(f"{day} 08:30", title="九月路灯报修"),
            day=day,
            unit=d.unit_city,
            handler=d.handler_city,
            satisfaction="satisfied",
        )
    good = s.handled(
        s.submit("2026-10-12 08:30", title="幸福小区路灯不亮"),
        day="2026-10-12",
        unit=d.unit_city,
        handler=d.handler_city,
        satisfaction="satisfied",
    )
    bad = s.submit("2026-10-12 10:00", title="张三反映13812341234楼道灯坏", phone="13812341234")
    s.do("2026-10-12 10:10", services.appeal_dispatch, bad, Actor.staff(d.dispatcher), unit=d.unit_env)
    s.do(
        "2026-10-12 10:30", services.appeal_return, bad, Actor.staff(d.handler_env), reason="不属于本单位职责"
    )
    bad = s.handled(
        bad,
        day="2026-10-13",
        unit=d.unit_city,
        handler=d.handler_city,
        satisfaction="dissatisfied",
        solved=False,
        reply_day="2026-10-14",
    )
    overdue = s.submit("2026-10-13 08:00", title="人行道破损")
    s.do("2026-10-13 09:00", services.appeal_dispatch, overdue, Actor.staff(d.dispatcher), unit=d.unit_city)
    s.do("2026-10-13 09:30", services.appeal_accept, overdue, Actor.staff(d.handler_city))
    reopened = s.handled(
        s.submit("2026-10-14 08:00", title="河道有异味", area="G2", category="HB"),
        day="2026-10-14",
        unit=d.unit_env,
        handler=d.handler_env,
        satisfaction="basic",
    )
    reopened = s.do(
        "2026-10-16 10:00", services.appeal_reopen, reopened, Actor.resident(), reason="异味又出现了"
    )
    withdrawn = s.submit("2026-10-20 08:00", title="噪音扰民")
    withdrawn = s.do(
        "2026-10-20 09:00", services.appeal_withdraw, withdrawn, Actor.resident(), reason="已解决"
    )
    with time_machine.travel(at("2026-10-28 09:00"), tick=False):
        sweep_deadlines()
    rollups.process_events(now=at("2026-10-28 12:00"), settle_seconds=0)
    with time_machine.travel(at("2026-10-29 10:00"), tick=False):
        follow_up_record(
            follow_up=FollowUp.objects.get(appeal=bad),
            actor=Actor.staff(d.supervisor),
            reached=True,
            really_solved=False,
            satisfied=False,
            note="灯仍然不亮",
        )
    rollups.process_events(now=at("2026-11-02 12:00"), settle_seconds=0)
    return SimpleNamespace(good=good, bad=bad, overdue=overdue, reopened=reopened, withdrawn=withdrawn, s=s)
