"""Chase (催办) and supplement (补充) on an open appeal (issue 16): who
may, in which status, what it notifies."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import EventType
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.notifications.models import Notification

from .helpers import closed, dispatched, submit


def _chase(appeal, actor, kind="chase", note="群众再次来电，路灯仍未修好。"):
    return services.appeal_chase(appeal=appeal, actor=actor, kind=kind, note=note)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "admin"])
def test_centre_roles_chase_and_the_unit_is_notified_after_commit(
    district, settings, role, django_capture_on_commit_callbacks
):
    appeal = dispatched(district, settings=settings)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        event = _chase(appeal, Actor.staff(getattr(district, role)))
        assert not Notification.objects.filter(kind="chased").exists()  # nothing inside the transaction
    assert (event.type, event.data["kind"], event.note) == (
        EventType.CHASED,
        "chase",
        "群众再次来电，路灯仍未修好。",
    )
    appeal.refresh_from_db()
    assert appeal.status == "dispatched"
    assert services.chase_count(appeal) == 1
    assert Notification.objects.filter(user=district.handler_city, kind="chased").exists()
    assert not Notification.objects.filter(user=district.handler_env, kind="chased").exists()


def test_undispatched_chase_notifies_the_dispatchers(district, settings, django_capture_on_commit_callbacks):
    appeal = submit(district, settings=settings)
    with django_capture_on_commit_callbacks(execute=True):
        _chase(appeal, Actor.staff(district.operator), kind="supplement")
    assert Notification.objects.filter(user=district.dispatcher, kind="chased").exists()
    assert not Notification.objects.filter(user=district.handler_city, kind="chased").exists()


@pytest.mark.parametrize(
    "role", ["handler_city", "handler_env", "grid_worker_a", "supervisor", "leader_b", "other_resident"]
)
def test_other_roles_are_refused(district, settings, role):
    appeal = dispatched(district, settings=settings)
    with pytest.raises(ForbiddenError):
        _chase(appeal, Actor.staff(getattr(district, role)))
    assert services.chase_count(appeal) == 0


def test_resident_owner_supplements_their_web_appeal_but_does_not_chase(district, settings):
    appeal = dispatched(district, settings=settings)
    appeal.resident = district.resident
    appeal.save(update_fields=["resident"])
    owner = Actor.resident(district.resident)
    assert _chase(appeal, owner, kind="supplement").data["kind"] == "supplement"
    with pytest.raises(ForbiddenError):
        _chase(appeal, owner, kind="chase")
    # signed-in owner (not vouched for by an access code): only their own appeal
    assert _chase(appeal, Actor.staff(district.resident), kind="supplement")
    with pytest.raises(ForbiddenError):
        _chase(appeal, Actor.staff(district.other_resident), kind="supplement")


def test_resident_cannot_supplement_a_hotline_appeal(district, settings):
    appeal = dispatched(district, settings=settings, channel="hotline")
    appeal.resident = district.resident
    appeal.save(update_fields=["resident"])
    with pytest.raises(ForbiddenError):
        _chase(appeal, Actor.resident(district.resident), kind="supplement")


def test_closed_appeal_refused_with_a_clear_message(district, settings):
    appeal = closed(district, settings=settings)
    with pytest.raises(TransitionNotAllowedError) as raised:
        _chase(appeal, Actor.staff(district.operator))
    assert raised.value.status_code == 409
    assert "不能再催办或补充" in raised.value.message
    assert "重办" in raised.value.message


def test_bad_kind_and_empty_note_are_refused(district, settings):
    appeal = dispatched(district, settings=settings)
    with pytest.raises(ValidationFailedError) as raised:
        _chase(appeal, Actor.staff(district.operator), kind="shout")
    assert raised.value.field == "kind"
    with pytest.raises(ValidationFailedError) as raised:
        _chase(appeal, Actor.staff(district.operator), note="   ")
    assert raised.value.field == "note"
    assert services.chase_count(appeal) == 0


def test_the_appeal_keeps_its_chase_count_for_lists(district, settings):
    appeal = dispatched(district, settings=settings)
    _chase(appeal, Actor.staff(district.operator))
    _chase(appeal, Actor.staff(district.operator), kind="supplement")
    with pytest.raises(ForbiddenError):  # a refused chase counts nothing
        _chase(appeal, Actor.staff(district.handler_city))
    appeal.refresh_from_db()
    assert appeal.chase_count == services.chase_count(appeal) == 2
