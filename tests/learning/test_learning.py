"""The learning centre: who may do what, quiz scoring, the learning record, case studies, certificates."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Status as AppealStatus
from lianxin.core.errors import (
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.learning import services
from lianxin.learning.models import EnrolmentStatus, EventType, LessonKind
from lianxin.learning.policy import Action, can
from lianxin.learning.selectors import certificate, record_of
from lianxin.org.models import Role

from ..factories import AppealFactory
from .factories import course

pytestmark = pytest.mark.django_db


def test_quiz_scoring(district):
    c = course()
    questions = list(c.questions.all())
    assert services.score(questions, [1, 1, 0]) == 100
    assert services.score(questions, [1, 0, 0]) == 66  # rounded down
    assert services.score(questions, [0, 0, 1]) == 0
    assert services.score([], []) == 0


def test_assign_study_pass_and_certificate(district):
    c = course()
    handler = district.handler_city
    with pytest.raises(ForbiddenError):
        services.enrolment_assign(actor=district.dispatcher, user=handler, course=c, reason="满意度低")
    with pytest.raises(ValidationFailedError, match="工作人员"):
        services.enrolment_assign(actor=district.supervisor, user=district.resident, course=c, reason="x")
    e = services.enrolment_assign(
        actor=district.supervisor, user=handler, course=c, reason="本季度满意度低于目标"
    )
    assert e.status == EnrolmentStatus.ASSIGNED
    assert e.due_at is not None
    first_lesson = c.lessons.first()
    assert first_lesson is not None
    with pytest.raises(ForbiddenError):
        services.lesson_complete(actor=district.handler_env, enrolment=e, lesson=first_lesson)
    with pytest.raises(ValidationFailedError, match="学完"):
        services.quiz_submit(actor=handler, enrolment=e, answers=[1, 1, 0])
    for lesson in c.lessons.all():
        services.lesson_complete(actor=handler, enrolment=e, lesson=lesson)
    with pytest.raises(ValidationFailedError, match="全部 3 道"):
        services.quiz_submit(actor=handler, enrolment=e, answers=[1])
    failed = services.quiz_submit(actor=handler, enrolment=e, answers=[0, 0, 1])
    assert failed.score == 0
    assert not failed.passed
    passed = services.quiz_submit(actor=handler, enrolment=e, answers=[1, 1, 1])
    e.refresh_from_db()
    assert passed.score == 66
    assert passed.passed
    assert e.status == EnrolmentStatus.PASSED
    assert e.best_score == 66
    assert certificate(e.certificate_code.lower()) == e
    with pytest.raises(NotFoundError):
        certificate("NOPE")
    with pytest.raises(TransitionNotAllowedError):
        services.quiz_submit(actor=handler, enrolment=e, answers=[1, 1, 1])
    record = record_of(handler)
    assert record.hours == 2
    assert record.passed == 1
    assert record.open == 0
    types = list(e.events.values_list("type", flat=True))
    assert types == [
        EventType.ASSIGNED,
        EventType.LESSON_DONE,
        EventType.LESSON_DONE,
        EventType.QUIZ_FAILED,
        EventType.PASSED,
    ]


def test_required_courses_per_role(district):
    course("C-H", required_for=[Role.HANDLER])
    course("C-D", required_for=[Role.DISPATCHER])
    made = services.enrol_required(user=district.handler_city)
    assert [m.course.code for m in made] == ["C-H"]
    assert services.enrol_required(user=district.handler_city) == []  # idempotent


def test_policy_matrix(district):
    c = course()
    e = services.enrolment_assign(actor=district.admin, user=district.handler_city, course=c, reason="必修")
    users = {
        "admin": district.admin,
        "supervisor": district.supervisor,
        "dispatcher": district.dispatcher,
        "handler_city": district.handler_city,
        "handler_env": district.handler_env,
        "resident": district.resident,
    }
    expected = {
        Action.MANAGE: {"admin", "supervisor"},
        Action.ASSIGN: {"admin", "supervisor"},
        Action.STUDY: {"handler_city"},
        Action.TAKE_QUIZ: {"handler_city"},
    }
    for status in EnrolmentStatus.values:
        e.status = status
        for action, who in expected.items():
            for name, user in users.items():
                allowed = name in who and (
                    status != EnrolmentStatus.PASSED or action in (Action.MANAGE, Action.ASSIGN)
                )
                assert can(user, e, action) is allowed, (status, action, name)


def test_case_study_from_an_appeal_is_anonymised(district):
    c = course()
    appeal = AppealFactory(
        status=AppealStatus.CLOSED,
        contact_name="张三",
        contact_phone="13812341234",
        text="我是张三，电话13812341234，幸福小区3栋门口路灯坏了。",
        address="幸福小区3栋",
        reply_text="已修复，张三您好。",
        category=district.cat_light,
    )
    with pytest.raises(ForbiddenError):
        services.lesson_from_appeal(actor=district.handler_city, course=c, appeal=appeal)
    lesson = services.lesson_from_appeal(actor=district.supervisor, course=c, appeal=appeal)
    assert lesson.kind == LessonKind.CASE_STUDY
    for secret in ("张三", "13812341234", "幸福小区3栋", appeal.tracking_number):
        assert secret not in lesson.body
        assert secret not in lesson.title
    assert "路灯" in lesson.body
    assert "路灯照明" in lesson.body


def test_course_authoring_refusals(district):
    with pytest.raises(ForbiddenError):
        services.course_create(actor=district.handler_city, code="X", title="x")
    c = services.course_create(
        actor=district.supervisor, code="C-NEW", title="群众工作方法", required_for=["mediator"]
    )
    with pytest.raises(ValidationFailedError, match="已被使用"):
        services.course_create(actor=district.supervisor, code="C-NEW", title="x")
    with pytest.raises(ValidationFailedError):
        services.course_create(actor=district.supervisor, code="C-2", title="x", required_for=["king"])
    with pytest.raises(ValidationFailedError, match="发布前"):
        services.course_publish(actor=district.supervisor, course=c)
    services.lesson_add(
        actor=district.supervisor,
        course=c,
        title="视频课",
        url="https://example.org/v.mp4",
        material_kind="video",
    )
    with pytest.raises(ValidationFailedError):
        services.lesson_add(actor=district.supervisor, course=c, title="坏链接", url="javascript:alert(1)")
    with pytest.raises(ValidationFailedError):
        services.question_add(actor=district.supervisor, course=c, text="?", choices=["a"], answer=0)
    with pytest.raises(ValidationFailedError):
        services.question_add(actor=district.supervisor, course=c, text="?", choices=["a", "b"], answer=2)
    services.question_add(actor=district.supervisor, course=c, text="?", choices=["a", "b"], answer=1)
    assert services.course_publish(actor=district.supervisor, course=c).published
