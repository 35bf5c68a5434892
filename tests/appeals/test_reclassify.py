"""Correcting an appeal's category or area (改分类): who may, when, what is checked and recorded."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import Appeal, EventType, Status
from lianxin.appeals.policy import Action, allowed_actions, can
from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.org.models import DispatchRule, Role
from tests.factories import AreaFactory, CategoryFactory, staff

from .helpers import accepted, closed, dispatched, submit

pytestmark = pytest.mark.django_db


def reclassify(appeal: Appeal, user, **kw) -> Appeal:
    kw.setdefault("reason", "网格选错了")
    return services.appeal_reclassify(appeal=appeal, actor=Actor.staff(user), **kw)


def last_event(appeal: Appeal):
    return appeal.events.order_by("-id").first()


def test_dispatcher_moves_category_and_area_and_nothing_else(district, settings):
    appeal = accepted(district, settings=settings)
    before = Appeal.objects.get(pk=appeal.pk)
    reclassify(appeal, district.dispatcher, category="HB", area="G2", reason="实为噪音扰民，在和平社区")
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_env, district.grid_b)
    # no re-routing, no re-dispatch, same deadlines and status
    assert appeal.status == Status.ACCEPTED
    assert appeal.unit == district.unit_city
    assert (appeal.accept_due_at, appeal.resolve_due_at) == (before.accept_due_at, before.resolve_due_at)
    assert appeal.suggested_unit_id == before.suggested_unit_id
    event = last_event(appeal)
    assert event.type == EventType.RECLASSIFIED
    assert event.public is False
    assert (event.from_status, event.to_status, event.actor) == (
        Status.ACCEPTED,
        Status.ACCEPTED,
        district.dispatcher,
    )
    assert event.note == "实为噪音扰民，在和平社区"
    assert event.data == {
        "from_category": district.cat_light.pk,
        "from_category_code": "CJ-LD",
        "from_category_name": "路灯照明",
        "to_category": district.cat_env.pk,
        "to_category_code": "HB",
        "to_category_name": "环境保护",
        "from_area": district.grid_a.pk,
        "from_area_code": "G1",
        "from_area_name": "幸福一网格",
        "to_area": district.grid_b.pk,
        "to_area_code": "G2",
        "to_area_name": "和平一网格",
    }
    audit = (
        AuditEntry.objects.filter(object_type="appeal", object_id=appeal.tracking_number)
        .order_by("-seq")
        .first()
    )
    assert audit is not None
    assert audit.action == "state_change"
    assert audit.actor == district.dispatcher
    assert audit.data["event"] == "reclassified"
    assert audit.data["from"] == audit.data["to"] == Status.ACCEPTED


def test_only_the_area_or_only_the_category(district, settings):
    appeal = submit(district, settings=settings)
    reclassify(appeal, district.admin, area=district.community_a)  # instances work too
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_light, district.community_a)
    data = last_event(appeal).data
    assert data["from_category"] == data["to_category"] == district.cat_light.pk
    assert (data["from_area_code"], data["to_area_code"]) == ("G1", "C1")
    reclassify(appeal, district.admin, category="CJ", area="")  # a parent category, as intake accepts
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_city, district.community_a)


def test_an_appeal_without_classification_gets_one(district, settings):
    appeal = submit(district, settings=settings, category_code="", area_code="")
    Appeal.objects.filter(pk=appeal.pk).update(category=None)  # triage may leave it empty
    reclassify(appeal, district.dispatcher, category="HB", area="G2")
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_env, district.grid_b)
    data = last_event(appeal).data
    assert data["from_area"] is None
    assert data["from_category"] is None
    assert data["to_area_code"] == "G2"


@pytest.mark.parametrize(
    "status_of", ["submitted", "dispatched", "accepted", "replied", "closed", "returned"]
)
def test_allowed_in_every_status_but_merged_and_withdrawn(district, settings, status_of):
    appeal = submit(district, settings=settings)
    if status_of in ("dispatched", "returned"):
        appeal = dispatched(district, settings=settings)
        if status_of == "returned":
            services.appeal_return(appeal=appeal, actor=Actor.staff(district.handler_city), reason="不归我们")
    elif status_of == "accepted":
        appeal = accepted(district, settings=settings)
    elif status_of == "replied":
        appeal = accepted(district, settings=settings)
        services.appeal_reply(appeal=appeal, actor=Actor.staff(district.handler_city), text="已修好")
    elif status_of == "closed":
        appeal = closed(district, settings=settings)
    appeal.refresh_from_db()
    assert appeal.status == status_of
    assert Action.RECLASSIFY in allowed_actions(Actor.staff(district.dispatcher), appeal)
    reclassify(appeal, district.dispatcher, area="G2")
    appeal.refresh_from_db()
    assert appeal.area == district.grid_b
    assert appeal.status == status_of


def test_merged_and_withdrawn_appeals_are_refused(district, settings):
    merged = submit(district, settings=settings)
    main = submit(district, settings=settings)
    services.appeal_merge(appeal=merged, actor=Actor.staff(district.dispatcher), into=main)
    withdrawn = submit(district, settings=settings)
    services.appeal_withdraw(appeal=withdrawn, actor=Actor.resident())
    for appeal, label in ((merged, "已并案"), (withdrawn, "已撤回")):
        with pytest.raises(TransitionNotAllowedError) as err:
            reclassify(appeal, district.dispatcher, area="G2")
        assert label in err.value.message
        assert "改分类" in err.value.message
        appeal.refresh_from_db()
        assert appeal.area == district.grid_a


def test_roles_other_than_dispatcher_and_admin_are_refused(district, settings):
    appeal = accepted(district, settings=settings)
    for user in (
        district.handler_city,
        district.handler_env,
        district.operator,
        district.supervisor,
        district.grid_worker_a,
        district.leader_b,
    ):
        assert not can(Actor.staff(user), appeal, Action.RECLASSIFY), user
        with pytest.raises(ForbiddenError) as err:
            reclassify(appeal, user, area="G2")
        assert "改分类" in err.value.message
    for actor in (Actor.resident(), Actor.resident(district.resident), Actor(user=district.other_resident)):
        with pytest.raises(ForbiddenError):
            services.appeal_reclassify(appeal=appeal, actor=actor, area="G2", reason="我选错了")
    appeal.refresh_from_db()
    assert appeal.area == district.grid_a
    assert not appeal.events.filter(type=EventType.RECLASSIFIED).exists()
    assert Action.RECLASSIFY not in allowed_actions(Actor.staff(district.handler_city), appeal)
    assert Action.RECLASSIFY in allowed_actions(Actor.staff(district.admin), appeal)


def test_a_dispatcher_of_another_street_is_refused(district, settings):
    appeal = submit(district, settings=settings)  # grid G1, street S1
    west = staff(Role.DISPATCHER, area=district.street_b)
    with pytest.raises(ForbiddenError):
        reclassify(appeal, west, area="G2")
    east = staff(Role.DISPATCHER, area=district.street_a)
    reclassify(appeal, east, area="G2")  # the east's dispatcher hands it over to the right grid
    appeal.refresh_from_db()
    assert appeal.area == district.grid_b


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"area": "G2", "reason": "  "}, "reason", "请填写改分类原因"),
        ({"area": "G2", "reason": "x" * 1001}, "reason", "最多 1000 字"),
        ({}, "category", "都没有变化"),
        ({"category": "CJ-LD", "area": "G1"}, "category", "都没有变化"),
        ({"area": "G1"}, "area", "都没有变化"),
        ({"category": "NOPE"}, "category", "分类编码“NOPE”不存在或已停用"),
        ({"category": "OLD"}, "category", "分类编码“OLD”不存在或已停用"),
        ({"area": "Z9"}, "area", "区域编码“Z9”不存在"),
        ({"area": "S2"}, "area", "“西街道”是街道；请选择具体的社区或网格"),
        ({"area": "D1"}, "area", "请选择具体的社区或网格"),
    ],
)
def test_validation_messages(district, settings, kwargs, field, words):
    CategoryFactory(code="OLD", name="停用分类", active=False)
    appeal = dispatched(district, settings=settings)
    kwargs.setdefault("reason", "分类有误")
    with pytest.raises(ValidationFailedError) as err:
        services.appeal_reclassify(appeal=appeal, actor=Actor.staff(district.dispatcher), **kwargs)
    assert err.value.field == field
    assert words in err.value.message
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_light, district.grid_a)
    assert not appeal.events.filter(type=EventType.RECLASSIFIED).exists()


def test_keeping_a_current_street_area_is_not_an_error(district, settings):
    appeal = submit(district, settings=settings, area_code="S1")  # intake accepts a street
    reclassify(appeal, district.dispatcher, category="HB", area="S1")
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_env, district.street_a)


def test_a_new_community_is_accepted(district, settings):
    AreaFactory(code="G3", name="幸福二网格", level="grid", parent=district.community_a)
    appeal = submit(district, settings=settings)
    reclassify(appeal, district.dispatcher, area="G3")
    appeal.refresh_from_db()
    assert appeal.area is not None
    assert appeal.area.code == "G3"


def test_routing_history_of_both_categories_is_forgotten_after_commit(
    district, settings, django_capture_on_commit_callbacks
):
    appeal = dispatched(district, settings=settings)
    for code in ("CJ-LD", "HB", "CJ"):
        cache.set(f"lianxin:routing-history:{code}", "cached")
    with django_capture_on_commit_callbacks(execute=True):
        reclassify(appeal, district.dispatcher, category="HB")
        assert cache.get("lianxin:routing-history:CJ-LD") == "cached"  # not before the commit
    assert cache.get("lianxin:routing-history:CJ-LD") is None
    assert cache.get("lianxin:routing-history:HB") is None
    assert cache.get("lianxin:routing-history:CJ") == "cached"


def test_reclassified_appeal_counts_in_the_new_categorys_routing_history(district, settings):
    from lianxin.appeals.routing import _routing_counts

    appeal = dispatched(district, settings=settings)
    services.appeal_return(appeal=appeal, actor=Actor.staff(district.handler_city), reason="不归我们")
    assert _routing_counts(district.cat_light) == [("U-CG", "G1", 1, 1)]
    reclassify(appeal, district.dispatcher, category="HB")
    assert _routing_counts(district.cat_light) == []
    assert _routing_counts(district.cat_env) == [("U-CG", "G1", 1, 1)]


@pytest.mark.parametrize("status_of", ["submitted", "returned"])
def test_an_appeal_awaiting_dispatch_gets_the_new_categorys_suggested_unit(district, settings, status_of):
    appeal = submit(district, settings=settings)
    if status_of == "returned":
        services.appeal_dispatch(
            appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_city
        )
        services.appeal_return(appeal=appeal, actor=Actor.staff(district.handler_city), reason="不归我们")
    appeal.refresh_from_db()
    assert appeal.status == status_of
    assert appeal.suggested_unit == district.unit_city
    reclassify(appeal, district.dispatcher, category="HB", reason="实为环境问题")
    appeal.refresh_from_db()
    assert appeal.suggested_unit == district.unit_env  # the catalogue sends HB to 生态环境局
    assert appeal.status == status_of
    assert appeal.unit is None
    # the stored suggestion the case page and the API show follows: unit, candidates, reason
    assert appeal.suggestion["unit"] == district.unit_env.code
    assert appeal.suggestion["unit_candidates"] == [district.unit_env.code]
    catalogue = [r for r in appeal.suggestion["reasons"] if r["code"] == "catalogue"]
    assert [r["units"] for r in catalogue] == [[district.unit_env.code]]  # the old catalogue part is gone
    data = last_event(appeal).data
    assert (data["from_suggested_unit"], data["to_suggested_unit"]) == (
        district.unit_city.pk,
        district.unit_env.pk,
    )
    # the dispatcher following the new suggestion counts as following it
    services.appeal_dispatch(appeal=appeal, actor=Actor.staff(district.dispatcher), unit=district.unit_env)
    last = appeal.events.order_by("-id").first()
    assert last is not None
    assert last.data["followed_suggestion"] is True


def test_the_area_alone_can_change_the_suggestion(district, settings):
    DispatchRule.objects.create(
        category=district.cat_city, area=district.street_a, unit=district.unit_street_a
    )
    appeal = submit(district, settings=settings, area_code="G2")  # west: only the district-wide rule
    assert appeal.suggested_unit == district.unit_city
    reclassify(appeal, district.dispatcher, area="G1")  # east: the street office's rule is more specific
    appeal.refresh_from_db()
    assert appeal.suggested_unit == district.unit_street_a
    assert last_event(appeal).data["to_suggested_unit"] == district.unit_street_a.pk


def test_no_rule_for_the_new_category_leaves_no_suggestion(district, settings):
    CategoryFactory(code="JY", name="教育")
    appeal = submit(district, settings=settings)
    reclassify(appeal, district.dispatcher, category="JY")
    appeal.refresh_from_db()
    assert appeal.suggested_unit is None
    assert appeal.suggestion["unit"] is None
    assert appeal.suggestion["unit_candidates"] == []
    assert [r for r in appeal.suggestion["reasons"] if r["code"] == "catalogue"] == []
    data = last_event(appeal).data
    assert (data["from_suggested_unit"], data["to_suggested_unit"]) == (district.unit_city.pk, None)


@pytest.mark.parametrize("make", [dispatched, accepted, closed])
def test_a_dispatched_appeal_keeps_its_suggestion(district, settings, make):
    appeal = make(district, settings=settings)
    reclassify(appeal, district.dispatcher, category="HB")
    appeal.refresh_from_db()
    assert appeal.category == district.cat_env
    assert appeal.suggested_unit == district.unit_city
    assert "from_suggested_unit" not in last_event(appeal).data
    assert "to_suggested_unit" not in last_event(appeal).data


def test_a_routing_failure_does_not_stop_the_reclassification(district, settings, caplog):
    appeal = submit(district, settings=settings)
    cache.set("lianxin:routing-history:HB", "not a history")  # e.g. left by an older release
    reclassify(appeal, district.dispatcher, category="HB")
    appeal.refresh_from_db()
    assert appeal.category == district.cat_env
    assert appeal.suggested_unit is None
    assert last_event(appeal).data["to_suggested_unit"] is None
    assert "Routing failed while reclassifying" in caplog.text
