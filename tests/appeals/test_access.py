"""The access matrix: every role against every kind of appeal it must and must not see."""

from __future__ import annotations

import pytest

from lianxin.appeals import selectors, services
from lianxin.appeals.actors import Actor
from lianxin.appeals.selectors import appeal_get_for_tracking, appeal_get_for_user, appeals_visible_to, queue
from lianxin.core.errors import NotFoundError

from .helpers import dispatched, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeals(district, settings):
    """Appeal a: grid G1 (street S1), dispatched to the city unit with the env unit co-handling.
    Appeal b: grid G2 (street S2), dispatched to the env unit, raised by the resident's account.
    Appeal c: not located, waiting for dispatch."""
    a = dispatched(district, settings=settings)
    services.appeal_accept(appeal=a, actor=Actor.staff(district.handler_city))
    b = submit(district, settings=settings, area_code="G2", category_code="HB")
    b.resident = district.resident
    b.save()
    services.appeal_dispatch(appeal=b, actor=Actor.staff(district.dispatcher), unit=district.unit_env)
    c = submit(district, settings=settings, area_code="")
    return {"a": a, "b": b, "c": c}


EXPECTED = {
    # user attribute on District → appeals visible
    "admin": {"a", "b", "c"},
    "operator": {"a", "b", "c"},
    "dispatcher": {"a", "b", "c"},
    "supervisor": {"a", "b"},
    "leader_b": {"b"},
    "grid_worker_a": {"a"},
    "handler_city": {"a"},
    "handler_env": {"b"},
    "resident": {"b"},
    "other_resident": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_visibility_matrix(district, appeals, who):
    user = getattr(district, who)
    visible = {
        name for name, appeal in appeals.items() if appeals_visible_to(user).filter(pk=appeal.pk).exists()
    }
    assert visible == EXPECTED[who]
    for name, appeal in appeals.items():
        if name in EXPECTED[who]:
            assert appeal_get_for_user(user, pk=appeal.pk).pk == appeal.pk
        else:
            with pytest.raises(NotFoundError) as err:
                appeal_get_for_user(user, tracking_number=appeal.tracking_number)
            # The same message for "absent" and "not yours".
            with pytest.raises(NotFoundError) as absent:
                appeal_get_for_user(user, tracking_number="LX19990101-000001")
            assert err.value.message == absent.value.message


@pytest.mark.parametrize("inline_max", [5_000, 0], ids=["co-handled ids inlined", "subquery above the cap"])
def test_co_handler_sees_the_appeal(district, appeals, monkeypatch, inline_max):
    monkeypatch.setattr(selectors, "CO_HANDLED_INLINE_MAX", inline_max)
    before = set(appeals_visible_to(district.handler_env).values_list("pk", flat=True))
    assert appeals["a"].pk not in before
    services.appeal_add_co_handler(
        appeal=appeals["a"], actor=Actor.staff(district.handler_city), unit=district.unit_env
    )
    after = set(appeals_visible_to(district.handler_env).values_list("pk", flat=True))
    assert after == before | {appeals["a"].pk}  # its own unit's appeals and the co-handled one
    in_progress = set(queue(district.handler_env, "in_progress").values_list("pk", flat=True))
    assert in_progress <= after


def test_anonymous_user_sees_nothing(appeals):
    from django.contrib.auth.models import AnonymousUser

    assert not appeals_visible_to(AnonymousUser()).exists()  # type: ignore[arg-type]  # what a view may pass


def test_tracking_lookup_needs_the_phone_digits(appeals):
    a = appeals["a"]
    assert appeal_get_for_tracking(a.tracking_number, "1234").pk == a.pk
    assert appeal_get_for_tracking(a.tracking_number.lower(), "1234").pk == a.pk
    for wrong in ("0000", "", "13812341234"):
        with pytest.raises(NotFoundError):
            appeal_get_for_tracking(a.tracking_number, wrong)
    with pytest.raises(NotFoundError):
        appeal_get_for_tracking("LX19990101-000001", "1234")


def test_handler_queues_only_hold_their_unit(district, appeals):
    assert list(queue(district.handler_city, "in_progress")) == [appeals["a"]]
    assert list(queue(district.handler_env, "to_accept")) == [appeals["b"]]
    assert list(queue(district.dispatcher, "to_dispatch")) == [appeals["c"]]
    with pytest.raises(NotFoundError):
        queue(district.dispatcher, "nonsense")
