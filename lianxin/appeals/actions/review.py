"""Reply review (答复审核) and reply attachments: a unit's reply held for the centre or the unit's
leader, approved (published: the reply flow continues) or sent back to the handler with a reason;
the residents of appeals merged into this one told of the reply."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import Role, RoleAssignment

from .. import events
from ..actors import Actor
from ..attachments import AttachmentInput, _validate_attachments
from ..merged import survivor_of
from ..models import (
    Appeal,
    Attachment,
    AttachmentSource,
    ReplyReview,
    ReviewerKind,
    ReviewStatus,
    Satisfaction,
)
from ..policy import Action, ensure_allowed
from ..review_rules import forget_pending_review, pending_review
from ..sms import sms_on_replied
from .base import _locked, _transition, record_event
from .quality import _reply_quality
from .recipients import _dispatcher_ids, _notify_resident, _notify_unit, _staff_link
from .validation import _clean_note


def checked_reply_attachments(attachments: list[AttachmentInput] | None) -> list[tuple[AttachmentInput, str]]:
    """The same checks as an appeal's attachments (count, size, sniffed type)."""
    return _validate_attachments(list(attachments or []))


def save_reply_attachments(
    appeal: Appeal,
    checked: list[tuple[AttachmentInput, str]],
    *,
    public: bool,
    review: ReplyReview | None = None,
) -> list[Attachment]:
    saved = []
    for item, content_type in checked:
        attachment = Attachment(
            appeal=appeal,
            original_name=item.name[:200],
            content_type=content_type,
            size=len(item.content),
            source=AttachmentSource.REPLY,
            public=public,
            review=review,
        )
        attachment.file.save(item.name[-80:] or "attachment", ContentFile(item.content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def _reviewer_ids(appeal: Appeal, reviewer: str) -> list[int]:
    if reviewer == ReviewerKind.LEADER:
        return list(
            RoleAssignment.objects.filter(role=Role.LEADER, unit_id=appeal.unit_id or 0, user__is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )
    # the centre (`policy.reply_review_reach`): dispatchers, and supervisors and leaders of the area
    return _dispatcher_ids(appeal, Role.SUPERVISOR, Role.LEADER)


def hold_reply_for_review(
    *,
    appeal: Appeal,
    actor: Actor,
    text: str,
    reviewer: str,
    checked: list[tuple[AttachmentInput, str]],
    attachments_public: bool,
    late: bool,
    result: str = "",
) -> Appeal:
    """Keep the unit's reply for review (called by `appeal_reply`, checked there, on a locked appeal)."""
    review = ReplyReview.objects.create(
        appeal=appeal,
        unit=appeal.unit,
        text=text,
        reviewer=reviewer,
        submitted_by=actor.user,
        submitted_at=timezone.now(),
    )
    forget_pending_review(appeal)
    saved = save_reply_attachments(appeal, checked, public=attachments_public, review=review)
    record_event(
        appeal,
        events.ReplySubmitted(
            review=review.pk,
            reviewer=reviewer,
            late=late,
            result=result,
            attachments=tuple(a.pk for a in saved),
        ),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=text,
        unit=appeal.unit,
        public=False,
    )
    notify_users(
        user_ids=_reviewer_ids(appeal, reviewer),
        title=_("答复待审核：{tracking_number}").format(tracking_number=appeal.tracking_number),
        body=appeal.title,
        link=_staff_link(appeal),
        kind="reply_review",
    )
    return appeal


def notify_reply_published(appeal: Appeal) -> None:
    """Tell the resident, and the residents of every appeal merged into this one, of the reply."""
    title = _("您的诉求已答复：{tracking_number}").format(tracking_number=appeal.tracking_number)
    _notify_resident(appeal, title, "replied")
    appeal_pk = appeal.pk
    transaction.on_commit(lambda: sms_on_replied(appeal_pk))  # the reply notice and a rating link
    seen = {appeal.pk}
    frontier = [appeal.pk]
    for _hop in range(5):  # merges of merges
        merged = list(Appeal.objects.filter(merged_into_id__in=frontier).exclude(pk__in=seen))
        if not merged:
            break
        for other in merged:
            _notify_resident(
                other,
                _("您的诉求（已并入 {survivor}）已答复：{tracking_number}").format(
                    survivor=appeal.tracking_number, tracking_number=other.tracking_number
                ),
                "replied",
            )
        seen.update(o.pk for o in merged)
        frontier = [o.pk for o in merged]


def _review_seconds(review: ReplyReview, now: dt.datetime) -> int:
    return max(0, int((now - review.submitted_at).total_seconds()))


@transaction.atomic
def appeal_approve_reply(*, appeal: Appeal | int, actor: Actor, note: str = "") -> Appeal:
    """The reviewer approves the unit's reply: it is published to the resident (the reply flow continues)."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.APPROVE_REPLY)
    note = _clean_note(note)
    review = pending_review(appeal)
    assert review is not None  # the policy refuses without one
    now = timezone.now()
    review.status, review.decided_by, review.decided_at, review.reason = (
        ReviewStatus.APPROVED,
        actor.user,
        now,
        note,
    )
    review.save()
    forget_pending_review(appeal)
    record_event(
        appeal,
        events.ReplyApproved(review=review.pk, review_seconds=_review_seconds(review, now)),
        actor,
        from_status=appeal.status,
        to_status=appeal.status,
        note=note,
        unit=appeal.unit,
        public=False,
    )
    # The unit replied when it submitted: lateness is judged then, not after the centre's review.
    late = (
        review.submitted_at is not None
        and appeal.resolve_due_at is not None
        and review.submitted_at > appeal.resolve_due_at
    )
    handler = Actor.staff(review.submitted_by) if review.submitted_by is not None else actor
    _transition(
        appeal,
        Action.APPROVE_REPLY,
        handler,
        events.Replied(
            late=late,
            reply_quality=_reply_quality(appeal, review.text, now),
            review=review.pk,
            reviewed_by=actor.label,
            result=appeal.reply_result,
        ),
        note=review.text,
        unit=appeal.unit,
        changes={
            "reply_text": review.text,
            "replied_at": now,
            "overdue": appeal.overdue or late,
            "due_soon": False,
        },
    )
    notify_reply_published(appeal)
    return appeal


@transaction.atomic
def appeal_reject_reply(*, appeal: Appeal | int, actor: Actor, reason: str) -> Appeal:
    """The reviewer sends the unit's reply back to the handler with a reason; the resident sees nothing."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.REJECT_REPLY)
    reason = _clean_note(reason, required=True, field="reason", what=_("退回理由"))
    review = pending_review(appeal)
    assert review is not None
    now = timezone.now()
    review.status, review.decided_by, review.decided_at, review.reason = (
        ReviewStatus.REJECTED,
        actor.user,
        now,
        reason,
    )
    review.save()
    forget_pending_review(appeal)
    _transition(
        appeal,
        Action.REJECT_REPLY,
        actor,
        events.ReplyRejected(review=review.pk, review_seconds=_review_seconds(review, now)),
        note=reason,
        unit=appeal.unit,
        public=False,
    )
    _notify_unit(
        appeal,
        appeal.unit,
        _("答复被退回：{tracking_number}").format(tracking_number=appeal.tracking_number),
        "reply_rejected",
    )
    return appeal


@transaction.atomic
def appeal_rate_merged(
    *, appeal: Appeal | int, actor: Actor, satisfaction: str, solved: bool | None, comment: str = ""
) -> Appeal:
    """The resident of a merged appeal (并案) rates the surviving appeal's reply; the rating counts
    for the unit that replied (a `rated` event with `data.merged`), and the appeal stays merged."""
    appeal = _locked(appeal)
    ensure_allowed(actor, appeal, Action.RATE_MERGED)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailedError(_("请选择满意、基本满意或不满意。"), field="satisfaction")
    if solved is not None and not isinstance(solved, bool):
        raise ValidationFailedError(_("“是否解决”只能是“已解决”或“未解决”。"), field="solved")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailedError(
            _("评价最多 500 字，当前 {length} 字。").format(length=len(comment)), field="comment"
        )
    survivor = survivor_of(appeal)
    now = timezone.now()
    _transition(
        appeal,
        Action.RATE_MERGED,
        actor,
        events.Rated(
            satisfaction=satisfaction, solved=solved, merged=True, survivor=survivor.tracking_number
        ),
        note=comment,
        unit=survivor.unit,
        changes={"satisfaction": satisfaction, "solved": solved, "rating_comment": comment, "rated_at": now},
    )
    if satisfaction == Satisfaction.DISSATISFIED and survivor.unit is not None:
        _notify_unit(
            survivor,
            survivor.unit,
            _("群众不满意：{tracking_number}").format(tracking_number=appeal.tracking_number),
            "dissatisfied",
        )
    return appeal
