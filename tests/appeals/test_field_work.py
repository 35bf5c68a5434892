"""Field roles record their work (issue 16): a grid worker's check, photo, note and report back on
an appeal in their grid; a handler's result type (办理结果) and "resident contacted" with the reply."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.models import AttachmentSource, EventType, ReplyReviewRule, ReviewerKind
from lianxin.appeals.policy import Action, allowed_actions
from lianxin.appeals.selectors import queue
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.core.uploads import AttachmentInput
from lianxin.notifications.models import Notification

from .helpers import accepted, closed, dispatched, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _record(appeal, actor, kind="check", note="已到现场查看，路灯灯头损坏。", photos=None):
    return services.appeal_field_record(appeal=appeal, actor=actor, kind=kind, note=note, photos=photos)


def test_a_case_in_the_grid_workers_queue_offers_them_the_field_record(district, settings):
    appeal = accepted(district, settings=settings)
    assert appeal.pk in set(queue(district.grid_worker_a, "in_progress").values_list("pk", flat=True))
    assert allowed_actions(Actor.staff(district.grid_worker_a), appeal) == [Action.FIELD_RECORD]


@pytest.mark.parametrize("kind", ["check", "note", "report_back"])
def test_grid_worker_records_on_the_spot_and_the_unit_is_told(
    district, settings, kind, django_capture_on_commit_callbacks
):
    appeal = accepted(district, settings=settings)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        event = _record(appeal, Actor.staff(district.grid_worker_a), kind=kind)
    assert (event.type, event.data["kind"], event.public) == (EventType.FIELD_RECORDED, kind, False)
    appeal.refresh_from_db()
    assert appeal.status == "accepted"  # recorded, the status does not change
    told = Notification.objects.filter(user=district.handler_city, kind="field_recorded").exists()
    assert told is (kind != "note")  # a plain note waits on the timeline


def test_a_photo_is_kept_staff_only_and_a_photo_record_needs_one(district, settings):
    appeal = dispatched(district, settings=settings)
    worker = Actor.staff(district.grid_worker_a)
    with pytest.raises(ValidationFailedError) as error:
        _record(appeal, worker, kind="photo", note="")
    assert error.value.field == "photo"
    event = _record(
        appeal, worker, kind="photo", note="", photos=[AttachmentInput("lamp.png", PNG, "image/png")]
    )
    [photo] = appeal.attachments.all()
    assert (photo.source, photo.public, event.data["attachments"]) == (
        AttachmentSource.FIELD,
        False,
        [photo.pk],
    )


def test_bad_input_is_named(district, settings):
    appeal = accepted(district, settings=settings)
    worker = Actor.staff(district.grid_worker_a)
    with pytest.raises(ValidationFailedError) as error:
        _record(appeal, worker, kind="visit")
    assert error.value.field == "kind"
    with pytest.raises(ValidationFailedError) as error:
        _record(appeal, worker, kind="check", note="  ")
    assert error.value.field == "note"
    with pytest.raises(ValidationFailedError):
        _record(appeal, worker, kind="photo", photos=[AttachmentInput("x.png", b"not an image", "image/png")])
    assert not appeal.events.filter(type=EventType.FIELD_RECORDED).exists()


@pytest.mark.parametrize(
    "role", ["operator", "dispatcher", "handler_city", "handler_env", "supervisor", "leader_b", "resident"]
)
def test_other_roles_are_refused(district, settings, role):
    appeal = accepted(district, settings=settings)
    with pytest.raises(ForbiddenError):
        _record(appeal, Actor.staff(getattr(district, role)))


def test_a_grid_worker_of_another_grid_is_refused(district, settings):
    appeal = accepted(district, settings=settings, area_code="G2")
    with pytest.raises(ForbiddenError):
        _record(appeal, Actor.staff(district.grid_worker_a))


@pytest.mark.parametrize("make", [submit, closed])
def test_not_before_dispatch_nor_after_the_reply(district, settings, make):
    appeal = make(district, settings=settings)
    with pytest.raises(TransitionNotAllowedError):
        _record(appeal, Actor.staff(district.grid_worker_a))


# --- the handler's reply: result type and "resident contacted" --------------------------------------


def test_reply_records_the_result_and_the_contact_in_one_step(district, settings):
    appeal = accepted(district, settings=settings)
    services.appeal_reply(
        appeal=appeal,
        actor=Actor.staff(district.handler_city),
        text="已更换灯头，恢复照明。",
        result="resolved",
        contacted="phone",
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.reply_result) == ("replied", "resolved")
    contacted = appeal.events.get(type=EventType.RESIDENT_CONTACTED)
    replied = appeal.events.get(type=EventType.REPLIED)
    assert contacted.data["method"] == "phone"
    assert contacted.id < replied.id
    assert replied.data["result"] == "resolved"


def test_a_held_reply_keeps_its_result_through_the_review(district, settings):
    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)
    appeal = accepted(district, settings=settings)
    services.appeal_reply(
        appeal=appeal, actor=Actor.staff(district.handler_city), text="已向群众解释原因。", result="explained"
    )
    assert appeal.events.get(type=EventType.REPLY_SUBMITTED).data["result"] == "explained"
    services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(district.dispatcher))
    appeal.refresh_from_db()
    assert appeal.reply_result == "explained"
    assert appeal.events.get(type=EventType.REPLIED).data["result"] == "explained"


def test_an_unknown_result_is_refused_and_nothing_is_recorded(district, settings):
    appeal = accepted(district, settings=settings)
    with pytest.raises(ValidationFailedError) as error:
        services.appeal_reply(
            appeal=appeal,
            actor=Actor.staff(district.handler_city),
            text="已处理。",
            result="done",
            contacted="phone",
        )
    assert error.value.field == "result"
    assert "部分解决" in error.value.message
    assert not appeal.events.filter(type=EventType.RESIDENT_CONTACTED).exists()


def test_another_unit_cannot_reply_with_a_result(district, settings):
    appeal = accepted(district, settings=settings)
    with pytest.raises(ForbiddenError):
        services.appeal_reply(
            appeal=appeal, actor=Actor.staff(district.handler_env), text="已处理。", result="resolved"
        )
