"""The rollups fold the events the real appeal services write, and respect the settle delay."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.supervision import rollups
from lianxin.supervision.selectors import Period, Slice, kpis
from lianxin.supervision.tasks import periodic_refresh, refresh
from lianxin.worktime.calendar import TZ


def submit(district):
    data = AppealInput(
        text="东街道幸福小区3栋门口路灯坏了一个多月，晚上很黑，希望尽快修好。",
        category_code="CJ-LD",
        area_code="G1",
        contact_name="张三",
        contact_phone="13812341234",
        contact_consent=True,
    )
    return appeal_submit(data=data, actor=Actor.resident()).appeal


def test_service_events_become_figures(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    d = district
    first = submit(d)
    services.appeal_dispatch(appeal=first, actor=Actor.staff(d.dispatcher), unit=d.unit_env)
    services.appeal_return(appeal=first, actor=Actor.staff(d.handler_env), reason="不属于本单位职责")
    services.appeal_dispatch(appeal=first, actor=Actor.staff(d.dispatcher), unit=d.unit_city)
    services.appeal_accept(appeal=first, actor=Actor.staff(d.handler_city))
    services.appeal_reply(appeal=first, actor=Actor.staff(d.handler_city), text="已更换灯泡。")
    services.appeal_rate(appeal=first, actor=Actor.resident(), satisfaction="basic", solved=True)
    second = submit(d)
    services.appeal_withdraw(appeal=second, actor=Actor.resident(), reason="已自行解决")

    now = timezone.now()
    assert rollups.process_events(now=now).events == 0  # too recent: left to settle
    report = refresh(now + dt.timedelta(minutes=5))
    assert report["events"] > 0
    today = now.astimezone(TZ).date()
    period = Period.parse(f"{today:%Y-%m-%d}..{today:%Y-%m-%d}")
    whole = kpis(period)
    assert (whole.received, whole.assigned, whole.returned, whole.accepted, whole.rated, whole.withdrawn) == (
        2,
        2,
        1,
        1,
        1,
        1,
    )
    assert whole.satisfaction_rate == 1.0
    assert whole.resolution_rate == 1.0
    city = kpis(period, Slice().narrow(unit=d.unit_city))
    assert (city.assigned, city.returned, city.replied, city.closed) == (1, 0, 1, 1)
    env = kpis(period, Slice().narrow(unit=d.unit_env))
    assert (env.assigned, env.returned) == (1, 1)
    assert periodic_refresh.name == "lianxin.supervision.tasks.periodic_refresh"


def test_management_commands(district):
    from django.core.management import call_command

    from .conftest import History, at

    h = History(area=district.grid_a, category=district.cat_env, submitted=at("2026-05-06 09:00"))
    h.dispatch(at("2026-05-06 09:30"), district.unit_env)
    call_command("supervision_refresh", "--settle-seconds", "0")
    call_command("supervision_rebuild", "--check")
    assert kpis(Period.month(2026, 5)).assigned == 1
