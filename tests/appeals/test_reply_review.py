"""Reply review (答复审核), reply attachments and merged appeals' replies and ratings."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AttachmentInput
from lianxin.appeals.merged import merge_proposals, survivor_of
from lianxin.appeals.models import (
    AppealEvent,
    EventType,
    ReplyReview,
    ReplyReviewRule,
    ReviewerKind,
    ReviewStatus,
    Status,
)
from lianxin.appeals.policy import Action, allowed_actions, can
from lianxin.appeals.review_rules import review_rule_for
from lianxin.appeals.selectors import (
    public_reply_attachments,
    public_timeline,
    reply_review_queue,
    review_durations,
)
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError, ValidationFailedError
from lianxin.notifications.models import Notification
from lianxin.org.models import Role
from tests.appeals.helpers import accepted, submit
from tests.factories import staff

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _notified(user, kind: str) -> bool:
    return Notification.objects.filter(user=user, kind=kind).exists()


def _reply(district, appeal, **kw):
    return services.appeal_reply(
        appeal=appeal, actor=Actor.staff(district.handler_city), text="路灯已修复。", **kw
    )


@pytest.fixture
def centre_rule(district):
    return ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)


def test_rules_most_specific_wins(district):
    appeal = accepted(district)
    assert review_rule_for(appeal) is None
    by_category = ReplyReviewRule.objects.create(category=district.cat_city, reviewer=ReviewerKind.CENTRE)
    assert review_rule_for(appeal) == by_category  # the parent category's subtree counts
    by_unit = ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.LEADER)
    assert review_rule_for(appeal) == by_unit
    both = ReplyReviewRule.objects.create(
        unit=district.unit_city, category=district.cat_light, reviewer=ReviewerKind.CENTRE
    )
    assert review_rule_for(appeal) == both
    both.active = False
    both.save()
    assert review_rule_for(appeal) == by_unit
    ReplyReviewRule.objects.create(unit=district.unit_env, reviewer=ReviewerKind.LEADER)  # another unit's
    assert review_rule_for(appeal) == by_unit


def test_without_a_rule_the_reply_is_published_at_once(district):
    appeal = _reply(district, accepted(district))
    assert appeal.status == Status.REPLIED
    assert not ReplyReview.objects.exists()


def test_reply_held_then_approved(district, centre_rule, django_capture_on_commit_callbacks):
    appeal = accepted(district)
    with django_capture_on_commit_callbacks(execute=True):
        _reply(district, appeal)
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    assert appeal.reply_text == ""
    review = ReplyReview.objects.get(appeal=appeal)
    assert review.status == ReviewStatus.PENDING
    assert review.text == "路灯已修复。"
    # the resident sees nothing of it
    assert not public_timeline(appeal).filter(type=EventType.REPLY_SUBMITTED).exists()
    assert list(reply_review_queue(district.dispatcher)) == [appeal]
    assert _notified(district.dispatcher, "reply_review")
    # the handler cannot reply again while it waits
    assert not can(Actor.staff(district.handler_city), appeal, Action.REPLY)
    with pytest.raises(TransitionNotAllowedError):
        _reply(district, appeal)
    services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(district.dispatcher))
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED
    assert appeal.reply_text == "路灯已修复。"
    replied = AppealEvent.objects.get(appeal=appeal, type=EventType.REPLIED)
    assert replied.actor == district.handler_city
    assert replied.data["review"] == review.pk
    approved = AppealEvent.objects.get(appeal=appeal, type=EventType.REPLY_APPROVED)
    assert approved.actor == district.dispatcher
    assert not approved.public
    assert list(reply_review_queue(district.dispatcher)) == []
    durations = review_durations()
    assert durations["count"] == 1
    assert durations["approved"] == 1
    assert durations["mean_seconds"] is not None


def test_reply_rejected_needs_a_reason_and_goes_back(
    district, centre_rule, django_capture_on_commit_callbacks
):
    appeal = _reply(district, accepted(district))
    with pytest.raises(ValidationFailedError) as error:
        services.appeal_reject_reply(appeal=appeal, actor=Actor.staff(district.supervisor), reason="  ")
    assert error.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_reject_reply(
            appeal=appeal, actor=Actor.staff(district.supervisor), reason="未说明修复时间"
        )
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    assert appeal.reply_text == ""
    assert ReplyReview.objects.get().status == ReviewStatus.REJECTED
    assert _notified(district.handler_city, "reply_rejected")
    assert review_durations()["rejected"] == 1
    # the handler may reply again, and it goes to review again
    assert can(Actor.staff(district.handler_city), appeal, Action.REPLY)
    _reply(district, appeal)
    assert ReplyReview.objects.filter(status=ReviewStatus.PENDING).count() == 1


def test_refusals_of_each_role(district, centre_rule):
    appeal = _reply(district, accepted(district))
    for user in (
        district.handler_city,
        district.handler_env,
        district.operator,
        district.grid_worker_a,
        district.leader_b,
        district.resident,
    ):
        for action in (Action.APPROVE_REPLY, Action.REJECT_REPLY):
            assert not can(Actor.staff(user), appeal, action), (user.username, action)
        with pytest.raises(ForbiddenError):
            services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(user))
    for user in (district.dispatcher, district.supervisor, district.admin):
        assert {Action.APPROVE_REPLY, Action.REJECT_REPLY} <= set(allowed_actions(Actor.staff(user), appeal))
    with pytest.raises(ForbiddenError):
        services.appeal_approve_reply(appeal=appeal, actor=Actor.resident())


def test_no_pending_review_is_refused_and_nobody_reviews_their_own(district, centre_rule):
    appeal = accepted(district)
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(district.dispatcher))
    both = staff(Role.HANDLER, unit=district.unit_city, username="both")
    from lianxin.org.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.DISPATCHER)
    services.appeal_reply(appeal=appeal, actor=Actor.staff(both), text="已修复。")
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(both))


def test_a_returned_appeal_lapses_its_review(district, centre_rule):
    appeal = _reply(district, accepted(district))
    services.appeal_return(appeal=appeal, actor=Actor.staff(district.handler_city), reason="不属于本单位")
    assert ReplyReview.objects.get().status == ReviewStatus.LAPSED
    appeal.refresh_from_db()
    with pytest.raises(TransitionNotAllowedError):
        services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(district.dispatcher))


def test_leader_review(district, django_capture_on_commit_callbacks):
    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.LEADER)
    leader = staff(Role.LEADER, unit=district.unit_city, username="leader_city")
    appeal = accepted(district)
    with django_capture_on_commit_callbacks(execute=True):
        _reply(district, appeal)
    assert not can(Actor.staff(district.dispatcher), appeal, Action.APPROVE_REPLY)
    assert list(reply_review_queue(district.dispatcher)) == []
    assert list(reply_review_queue(leader)) == [appeal]
    assert _notified(leader, "reply_review")
    services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(leader))
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED


def test_reply_attachments_checked_and_public_only_once_published(district, centre_rule):
    appeal = accepted(district)
    with pytest.raises(ValidationFailedError) as error:
        _reply(district, appeal, attachments=[AttachmentInput("x.png", b"not an image")])
    assert error.value.field == "attachments"
    _reply(district, appeal, attachments=[AttachmentInput("after.png", PNG)])
    assert list(public_reply_attachments(appeal)) == []  # under review
    services.appeal_approve_reply(appeal=appeal, actor=Actor.staff(district.dispatcher))
    assert [a.original_name for a in public_reply_attachments(appeal)] == ["after.png"]


def test_internal_reply_attachments_stay_internal(district):
    appeal = _reply(
        district,
        accepted(district),
        attachments=[AttachmentInput("memo.pdf", b"%PDF-1.4 x")],
        attachments_public=False,
    )
    assert appeal.attachments.count() == 1
    assert list(public_reply_attachments(appeal)) == []


def test_merged_residents_get_the_reply_and_rate_it(district, django_capture_on_commit_callbacks):
    survivor = accepted(district)
    duplicate = submit(district, resident=None)
    duplicate.resident = district.other_resident
    duplicate.save()
    services.appeal_merge(
        appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor.tracking_number
    )
    duplicate.refresh_from_db()
    assert survivor_of(duplicate) == survivor
    owner = Actor.resident(district.other_resident)
    assert not can(owner, duplicate, Action.RATE_MERGED)  # nothing to rate yet
    with django_capture_on_commit_callbacks(execute=True):
        _reply(district, survivor)
    assert _notified(district.other_resident, "replied")
    assert can(owner, duplicate, Action.RATE_MERGED)
    assert not can(Actor.staff(district.dispatcher), duplicate, Action.RATE_MERGED)
    with pytest.raises(ValidationFailedError):
        services.appeal_rate_merged(appeal=duplicate, actor=owner, satisfaction="great", solved=True)
    services.appeal_rate_merged(appeal=duplicate, actor=owner, satisfaction="satisfied", solved=True)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED
    assert duplicate.satisfaction == "satisfied"
    rated = AppealEvent.objects.get(appeal=duplicate, type=EventType.RATED)
    assert rated.unit == district.unit_city
    assert rated.data["merged"] is True
    with pytest.raises(TransitionNotAllowedError):  # once
        services.appeal_rate_merged(appeal=duplicate, actor=owner, satisfaction="satisfied", solved=True)


def test_merge_proposals_from_triage(district):
    first = submit(district)
    second = submit(district)
    second.suggestion = {
        "duplicates": [
            {"tracking_number": first.tracking_number, "score": 0.9, "same_phone": True},
            {"tracking_number": second.tracking_number, "score": 1.0, "same_phone": True},
            {"tracking_number": "LX20000101-000001", "score": 0.8, "same_phone": False},
        ]
    }
    second.save()
    assert [t.pk for t, _hint in merge_proposals(second)] == [first.pk]
    services.appeal_withdraw(appeal=first, actor=Actor.resident())
    assert merge_proposals(second) == []


def test_a_merged_rating_counts_as_rated_not_closed(district):
    from lianxin.supervision.contributions import AppealState, event_contributions

    survivor = accepted(district)
    duplicate = submit(district)
    services.appeal_merge(appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor.pk)
    _reply(district, survivor)
    services.appeal_rate_merged(
        appeal=duplicate.pk, actor=Actor.resident(), satisfaction="dissatisfied", solved=False
    )
    event = AppealEvent.objects.get(appeal=duplicate, type=EventType.RATED)
    contributions = event_contributions(AppealState(area_id=0, category_id=0), event)
    assert len(contributions) == 1
    contribution = contributions[0]
    assert contribution.counters["rated"] == 1
    assert contribution.counters["dissatisfied"] == 1
    assert "closed" not in contribution.counters
    assert contribution.unit_id == district.unit_city.pk


def test_a_whole_unit_or_whole_category_rule_exists_once(district):
    from django.db import IntegrityError, transaction

    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)
    ReplyReviewRule.objects.create(category=district.cat_city, reviewer=ReviewerKind.CENTRE)
    for kw in ({"unit": district.unit_city}, {"category": district.cat_city}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReplyReviewRule.objects.create(reviewer=ReviewerKind.LEADER, **kw)
    # the admin's form says so instead of failing on save
    from django.forms import modelform_factory

    form = modelform_factory(ReplyReviewRule, fields=["unit", "category", "reviewer", "active"])(
        data={"unit": district.unit_city.pk, "reviewer": ReviewerKind.LEADER, "active": "on"}
    )
    assert not form.is_valid()
    # different units and a unit × category rule still coexist
    ReplyReviewRule.objects.create(unit=district.unit_env, reviewer=ReviewerKind.CENTRE)
    ReplyReviewRule.objects.create(
        unit=district.unit_city, category=district.cat_light, reviewer=ReviewerKind.CENTRE
    )
