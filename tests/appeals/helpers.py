"""Move appeals through their lifecycle in tests, through the real service functions."""

from __future__ import annotations

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal, Satisfaction


def submit(district, *, auto_dispatch: bool = False, settings=None, **overrides) -> Appeal:
    data = AppealInput(
        text="东街道幸福小区3栋门口路灯坏了一个多月，晚上很黑，希望尽快修好。",
        kind="complaint",
        channel="web",
        category_code="CJ-LD",
        area_code="G1",
        contact_name="张三",
        contact_phone="13812341234",
        contact_consent=True,
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    if settings is not None:
        settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": auto_dispatch}
    return appeal_submit(data=data, actor=Actor.resident()).appeal


def dispatched(district, **kw) -> Appeal:
    appeal = submit(district, **kw)
    if appeal.status == "submitted":
        services.appeal_dispatch(
            appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city
        )
    appeal.refresh_from_db()
    return appeal


def accepted(district, **kw) -> Appeal:
    appeal = dispatched(district, **kw)
    return services.appeal_accept(appeal=appeal, actor=Actor.staff(district.handler_city))


def replied(district, **kw) -> Appeal:
    appeal = accepted(district, **kw)
    return services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已处理完毕。")


def closed(district, satisfaction: str = Satisfaction.SATISFIED, solved: bool = True, **kw) -> Appeal:
    appeal = replied(district, **kw)
    return services.appeal_rate(
        appeal=appeal, actor=Actor.resident(), satisfaction=satisfaction, solved=solved
    )
