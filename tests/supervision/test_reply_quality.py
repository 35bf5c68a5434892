"""Reply quality: scored at reply time, listed for supervisors in their jurisdiction."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.supervision.policy import jurisdiction_of
from lianxin.supervision.selectors import weak_replies
from tests.appeals.helpers import accepted

pytestmark = pytest.mark.django_db

CONCRETE = (
    "您反映的幸福小区3栋门口路灯不亮的问题，我局已于11月20日派维修班更换灯泡和线路，"
    "路灯已恢复照明。如再有问题请拨打城管热线 12319。"
)
BOILERPLATE = "您好，您的留言已收到，我们会高度重视，相关部门将依法依规处理，感谢您的关注和支持。"


def reply(district, settings, text):
    appeal = accepted(district, settings=settings)
    services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text=text)
    return appeal.events.get(type="replied")


def test_replies_are_scored_and_boilerplate_is_listed(district, settings, client):
    good = reply(district, settings, CONCRETE)
    bad = reply(district, settings, BOILERPLATE)
    assert good.data["reply_quality"]["overall"] > bad.data["reply_quality"]["overall"]
    listed = list(weak_replies(jurisdiction_of(district.supervisor)))
    assert bad in listed
    assert good not in listed
    assert list(weak_replies(jurisdiction_of(district.leader_b))) == []  # street S2 sees none of S1's

    client.force_login(district.supervisor)
    page = client.get("/supervision/replies/")
    assert page.status_code == 200
    assert bad.appeal.tracking_number in page.content.decode()


def test_only_overseers_see_the_reply_quality_list(district, client):
    client.force_login(district.handler_city)
    assert client.get("/supervision/replies/").status_code == 403
    client.logout()
    assert client.get("/supervision/replies/").status_code == 302
