"""Learning centre endpoints (`/api/v1/learning/…`): courses, my record, lessons, quizzes, assignments."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path

from lianxin.core.errors import ForbiddenError, NotFoundError
from lianxin.learning import selectors, services
from lianxin.learning.models import MAX_CHOICES, Enrolment
from lianxin.learning.policy import is_cadre
from lianxin.org.models import User

from . import schemas as s
from .auth import STAFF_AUTH, caller

router = Router(tags=["learning"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), s.ErrorOut)
Id = Path(..., ge=1, le=2**31 - 1)


class CourseOut(Schema):
    code: str
    title: str
    hours: float
    pass_mark: int
    lessons: int
    questions: int
    required_for: list[str]


class EnrolmentOut(Schema):
    id: int
    course: str
    title: str
    status: str
    due_at: Any = None
    best_score: int | None
    certificate_code: str
    lessons_done: list[int]


class RecordOut(Schema):
    hours: float
    passed: int
    open: int
    overdue: int
    enrolments: list[EnrolmentOut]


class QuizIn(s.StrictIn):
    answers: list[Annotated[int, Field(ge=0, le=MAX_CHOICES - 1)]] = Field(
        ..., min_length=1, max_length=100, description="Choice index per question, in order."
    )


class QuizOut(Schema):
    score: int
    passed: bool
    pass_mark: int


class AssignIn(s.StrictIn):
    user: int = Field(..., ge=1, le=2**31 - 1)
    course: str = Field(..., min_length=1, max_length=s.CODE_MAX, pattern=s.NO_NUL)
    reason: str = Field(..., min_length=1, max_length=services.REASON_MAX_LENGTH)
    due_days: int | None = Field(None, ge=1, le=services.MAX_DUE_DAYS)


def _cadre(request: HttpRequest) -> User:
    user = caller(request)
    if user is None:
        raise NotFoundError("请登录或使用接口令牌。")
    if not is_cadre(user):
        raise ForbiddenError("学习中心仅供干部、工作人员和调解员使用。")
    return user


def _enrolment(e: Enrolment) -> dict[str, Any]:
    return {
        "id": e.pk,
        "course": e.course.code,
        "title": e.course.title,
        "status": e.status,
        "due_at": e.due_at,
        "best_score": e.best_score,
        "certificate_code": e.certificate_code,
        "lessons_done": sorted(e.lessons_done.values_list("lesson_id", flat=True)),
    }


@router.get(
    "/learning/courses",
    auth=STAFF_AUTH,
    response={200: list[CourseOut], **ERRORS},
    summary="Published courses",
)
def courses(request: HttpRequest) -> list[dict[str, Any]]:
    _cadre(request)
    return [
        {
            "code": c.code,
            "title": c.title,
            "hours": float(c.hours),
            "pass_mark": c.pass_mark,
            "lessons": c.lessons.count(),
            "questions": c.questions.count(),
            "required_for": c.required_for,
        }
        for c in selectors.published_courses()
    ]


@router.get(
    "/learning/me", auth=STAFF_AUTH, response={200: RecordOut, **ERRORS}, summary="My learning record"
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = _cadre(request)
    record = selectors.record_of(user)
    return {
        "hours": float(record.hours),
        "passed": record.passed,
        "open": record.open,
        "overdue": record.overdue,
        "enrolments": [_enrolment(e) for e in selectors.enrolments_of(user)],
    }


@router.post(
    "/learning/enrolments/{enrolment_id}/lessons/{lesson_id}/done",
    auth=STAFF_AUTH,
    response={200: EnrolmentOut, **ERRORS},
    summary="Mark a lesson done",
)
def lesson_done(request: HttpRequest, enrolment_id: int = Id, lesson_id: int = Id) -> dict[str, Any]:
    user = _cadre(request)
    e = services.lesson_complete(
        actor=user, enrolment=selectors.enrolment_for(user, enrolment_id), lesson=lesson_id
    )
    return _enrolment(e)


@router.post(
    "/learning/enrolments/{enrolment_id}/quiz",
    auth=STAFF_AUTH,
    response={200: QuizOut, **ERRORS},
    summary=f"Submit the quiz (each answer 0–{MAX_CHOICES - 1})",
)
def quiz(request: HttpRequest, payload: QuizIn, enrolment_id: int = Id) -> dict[str, Any]:
    user = _cadre(request)
    found = selectors.enrolment_for(user, enrolment_id)
    attempt = services.quiz_submit(actor=user, enrolment=found, answers=payload.answers)
    return {"score": attempt.score, "passed": attempt.passed, "pass_mark": found.course.pass_mark}


@router.post(
    "/learning/assignments",
    auth=STAFF_AUTH,
    response={201: EnrolmentOut, **ERRORS},
    summary="Assign a course to a cadre (supervisors)",
)
def assign(request: HttpRequest, payload: AssignIn) -> tuple[int, dict[str, Any]]:
    user = _cadre(request)
    e = services.enrolment_assign(
        actor=user, user=payload.user, course=payload.course, reason=payload.reason, due_days=payload.due_days
    )
    return 201, _enrolment(e)
