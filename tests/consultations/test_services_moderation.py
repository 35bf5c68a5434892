"""Services: sensitive-word screening, reports, hiding with a reason (audited), adoption feedback."""

from __future__ import annotations

import pytest

from lianxin.audit.models import AuditEntry
from lianxin.consultations import selectors, services
from lianxin.consultations.models import AbuseReport, Feedback, PhaseType, SensitiveWord, Status, Visibility
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.notifications.models import Notification

from .factories import consultation


@pytest.fixture
def c(people):
    return consultation(organiser=people.organiser, unit=people.d.unit_city)


def test_sensitive_word_holds_for_moderation(people, c):
    SensitiveWord.objects.create(word="代开发票")
    held = services.comment_add(actor=people.resident, consultation=c, text="需要代开发票请联系")
    ok = services.comment_add(actor=people.resident, consultation=c, text="建议增加充电桩")
    assert held.visibility == Visibility.PENDING
    assert ok.visibility == Visibility.VISIBLE
    assert [t.id for t in selectors.comment_threads(c)] == [ok.pk]
    # the author still sees their own held comment
    mine = selectors.participant_of(c, people.resident)
    assert {t.id for t in selectors.comment_threads(c, mine)} == {ok.pk, held.pk}
    assert held in selectors.moderation_queue(people.organiser)["comment"]
    assert "comment" not in selectors.moderation_queue(people.other_staff)


def test_report_then_hide_with_reason(people, c):
    comment = services.comment_add(actor=people.resident, consultation=c, text="骂人的话")
    services.content_report(
        actor=people.other_resident, consultation=c, kind="comment", object_id=comment.pk, reason="人身攻击"
    )
    with pytest.raises(ConflictError):
        services.content_report(
            actor=people.other_resident, consultation=c, kind="comment", object_id=comment.pk, reason="again"
        )
    with pytest.raises(ValidationFailedError, match="举报理由"):
        services.content_report(
            actor=people.third, consultation=c, kind="comment", object_id=comment.pk, reason=""
        )
    with pytest.raises(ForbiddenError):
        services.content_moderate(
            actor=people.other_staff,
            consultation=c,
            kind="comment",
            object_id=comment.pk,
            visibility="hidden",
            reason="x",
        )
    with pytest.raises(ValidationFailedError, match="理由"):
        services.content_moderate(
            actor=people.organiser, consultation=c, kind="comment", object_id=comment.pk, visibility="hidden"
        )
    services.content_moderate(
        actor=people.organiser,
        consultation=c,
        kind="comment",
        object_id=comment.pk,
        visibility="hidden",
        reason="含有人身攻击内容",
    )
    comment.refresh_from_db()
    assert comment.visibility == Visibility.HIDDEN
    assert AbuseReport.objects.get().resolved_at is not None
    assert AuditEntry.objects.filter(object_type="consultation_comment", object_id=str(comment.pk)).exists()
    mine = selectors.participant_of(c, people.resident)
    own = selectors.comment_threads(c, mine)[0]
    assert own.hidden_reason == "含有人身攻击内容"
    assert selectors.comment_threads(c) == []
    with pytest.raises(NotFoundError):
        services.content_report(
            actor=people.third, consultation=c, kind="comment", object_id=comment.pk, reason="x"
        )


def test_feedback_rules(people, django_capture_on_commit_callbacks):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    comment = services.comment_add(actor=people.resident, consultation=c, text="收费太高", paragraph_number=2)
    reply = services.comment_add(
        actor=people.other_resident, consultation=c, text="同意", parent_id=comment.pk
    )
    with pytest.raises(TransitionNotAllowedError):  # still collecting
        services.feedback_give(
            actor=people.organiser, consultation=c, kind="comment", object_id=comment.pk, decision="adopted"
        )
    services.consultation_close(actor=people.organiser, consultation=c)
    c.refresh_from_db()
    with pytest.raises(ValidationFailedError, match="未采纳"):
        services.feedback_give(
            actor=people.organiser,
            consultation=c,
            kind="comment",
            object_id=comment.pk,
            decision="not_adopted",
        )
    with pytest.raises(NotFoundError, match="回复"):
        services.feedback_give(
            actor=people.organiser, consultation=c, kind="comment", object_id=reply.pk, decision="adopted"
        )
    with pytest.raises(ValidationFailedError):
        services.feedback_give(
            actor=people.organiser, consultation=c, kind="comment", object_id=comment.pk, decision="maybe"
        )
    with pytest.raises(ForbiddenError):
        services.feedback_give(
            actor=people.resident, consultation=c, kind="comment", object_id=comment.pk, decision="adopted"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_give(
            actor=people.organiser,
            consultation=c,
            kind="comment",
            object_id=comment.pk,
            decision="partly",
            reason="收费标准调整为三元",
        )
    assert Feedback.objects.get().decision == "partly"
    assert Notification.objects.filter(user=people.resident, kind="consultation_feedback").exists()
    figures = selectors.feedback_figures(c)
    assert figures["received"] == 1
    assert figures["answered"] == 1
    assert figures["adopted"] == 1
    assert c.status == Status.CLOSED


def test_feedback_phase(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, current=PhaseType.FEEDBACK)
    assert selectors.feedback_figures(c)["received"] == 0
