"""Services: creating, editing, publishing, closing, archiving and the decision with its diff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.audit.models import AuditEntry
from lianxin.consultations import selectors, services
from lianxin.consultations.models import ConsultationEvent, PhaseType, Status
from lianxin.consultations.services import ParagraphInput, PhaseInput, QuestionInput
from lianxin.core.errors import (
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)

from .factories import consultation


def test_create_only_for_own_unit(people):
    d = people.d
    with pytest.raises(ForbiddenError):
        services.consultation_create(actor=people.other_staff, unit=d.unit_city, title="标题")
    with pytest.raises(ForbiddenError):
        services.consultation_create(actor=people.resident, unit=d.unit_city, title="标题")
    c = services.consultation_create(actor=people.organiser, unit=d.unit_city, title="老旧小区加装电梯")
    assert c.status == Status.DRAFT
    assert c.slug
    assert ConsultationEvent.objects.filter(consultation=c, type="created", actor=people.organiser).exists()


def test_create_refuses_bad_input(people):
    d = people.d
    with pytest.raises(ValidationFailedError, match="标题"):
        services.consultation_create(actor=people.organiser, unit=d.unit_city, title="  ")
    with pytest.raises(ValidationFailedError):
        services.consultation_create(actor=people.organiser, unit=d.unit_city, title="x" * 201)
    with pytest.raises(ValidationFailedError, match="参与范围"):
        services.consultation_create(actor=people.organiser, unit=d.unit_city, title="t", audience="everyone")
    services.consultation_create(actor=people.organiser, unit=d.unit_city, title="t", slug="my-slug")
    with pytest.raises(ValidationFailedError, match="已被使用"):
        services.consultation_create(actor=people.organiser, unit=d.unit_city, title="t", slug="my-slug")


def test_publish_needs_content_and_phases(people):
    c = services.consultation_create(actor=people.organiser, unit=people.d.unit_city, title="空草案")
    with pytest.raises(ValidationFailedError, match="条款"):
        services.consultation_publish(actor=people.organiser, consultation=c)
    services.paragraphs_set(actor=people.organiser, consultation=c, paragraphs=[ParagraphInput("第一条")])
    with pytest.raises(ValidationFailedError, match="阶段"):
        services.consultation_publish(actor=people.organiser, consultation=c)


def test_transitions_are_events_and_audited(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.ARCHIVED)
    types = list(c.events.values_list("type", flat=True))
    assert types[-3:] == ["published", "closed", "archived"]
    assert AuditEntry.objects.filter(object_type="consultation", object_id=str(c.pk)).count() == 3
    with pytest.raises(TransitionNotAllowedError, match="已归档"):
        services.consultation_close(actor=people.organiser, consultation=c)


def test_edit_refused_once_published(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    with pytest.raises(TransitionNotAllowedError):
        services.paragraphs_set(actor=people.organiser, consultation=c, paragraphs=[ParagraphInput("新")])
    assert c.paragraphs.count() == 3


def test_phases_must_not_overlap(people):
    c = services.consultation_create(actor=people.organiser, unit=people.d.unit_city, title="t")
    now = timezone.now()
    with pytest.raises(ValidationFailedError, match="重叠"):
        services.phases_set(
            actor=people.organiser,
            consultation=c,
            phases=[
                PhaseInput(PhaseType.COLLECTING, now, now + dt.timedelta(days=5)),
                PhaseInput(PhaseType.REVIEW, now + dt.timedelta(days=3), now + dt.timedelta(days=9)),
            ],
        )
    with pytest.raises(ValidationFailedError, match="晚于"):
        services.phases_set(
            actor=people.organiser, consultation=c, phases=[PhaseInput(PhaseType.COLLECTING, now, now)]
        )
    with pytest.raises(ValidationFailedError, match="阶段类型"):
        services.phases_set(
            actor=people.organiser,
            consultation=c,
            phases=[PhaseInput("voting", now, now + dt.timedelta(days=1))],
        )
    assert not c.phases.exists()


def test_questions_validated(people):
    c = services.consultation_create(actor=people.organiser, unit=people.d.unit_city, title="t")
    with pytest.raises(ValidationFailedError, match="选项"):
        services.questions_set(
            actor=people.organiser,
            consultation=c,
            questions=[QuestionInput("单选？", "single", options=["只有一个"])],
        )
    with pytest.raises(ValidationFailedError, match="题目类型"):
        services.questions_set(
            actor=people.organiser, consultation=c, questions=[QuestionInput("?", "matrix")]
        )


def test_decision_with_diff(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, current=PhaseType.DECISION)
    with pytest.raises(ValidationFailedError, match="修改理由"):
        services.decision_publish(
            actor=people.organiser,
            consultation=c,
            summary="采纳了部分意见",
            final_texts={2: ("外来车辆临时停放每小时收费三元。", "")},
        )
    with pytest.raises(ValidationFailedError, match="第 9 条"):
        services.decision_publish(
            actor=people.organiser, consultation=c, summary="s", final_texts={9: ("x", "y")}
        )
    with pytest.raises(ForbiddenError):
        services.decision_publish(actor=people.resident, consultation=c, summary="s", final_texts={})
    services.decision_publish(
        actor=people.organiser,
        consultation=c,
        summary="采纳了部分意见",
        final_texts={2: ("外来车辆临时停放每小时收费三元。", "多数意见认为五元偏高。")},
    )
    diff = selectors.decision_diff(c)
    assert [p["changed"] for p in diff] == [False, True, False]
    assert ("removed", "五") in diff[1]["segments"]
    assert ("added", "三") in diff[1]["segments"]
    assert diff[1]["reason"] == "多数意见认为五元偏高。"
    c.refresh_from_db()
    assert c.decision_published_at is not None


def test_decision_refused_while_collecting(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    with pytest.raises(TransitionNotAllowedError, match="征集意见尚未结束"):
        services.decision_publish(actor=people.organiser, consultation=c, summary="s", final_texts={})


def test_draft_is_not_found_for_residents(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    with pytest.raises(NotFoundError):
        selectors.consultation_get(people.resident, c.slug)
    assert selectors.consultation_get(people.organiser, c.slug) == c
