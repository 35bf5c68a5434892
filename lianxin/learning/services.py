"""Every change in the learning centre: typed, keyword-only, atomic, each recorded as an event
(enrolments) or in the audit log (courses and assignments made by supervisors)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.notifications.services import notify_users
from lianxin.org.models import Role, Unit, User

from . import events
from .models import (
    BODY_MAX_LENGTH,
    CHOICE_MAX_LENGTH,
    MAX_CHOICES,
    TITLE_MAX_LENGTH,
    Course,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonDone,
    LessonKind,
    Question,
    QuizAttempt,
)
from .policy import Action, ensure_learner, ensure_manager, is_cadre

REASON_MAX_LENGTH = 500
COURSE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # it is part of the course's page address
MAX_DUE_DAYS = 365


def _text(value: str, *, field: str, what: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailedError(_("请填写{what}。").format(what=what), field=field)
    if len(value) > limit:
        raise ValidationFailedError(_("{what}最多 {limit} 字。").format(what=what, limit=limit), field=field)
    return value


# --- courses (managers) ----------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    actor: User,
    code: str,
    title: str,
    description: str = "",
    hours: Decimal | float = 1,
    pass_mark: int = 80,
    required_for: list[str] | None = None,
    days_to_complete: int = 30,
) -> Course:
    ensure_manager(actor)
    code = _text(code, field="code", what=_("课程编码"), limit=40)
    if not COURSE_CODE.match(code):
        raise ValidationFailedError(
            _("课程编码只能由字母、数字、短横线、下划线和点组成，以字母或数字开头，如 C-MED-02。"),
            field="code",
        )
    if Course.objects.filter(code=code).exists():
        raise ValidationFailedError(_("课程编码 {code} 已被使用。").format(code=code), field="code")
    if not 0 < pass_mark <= 100:
        raise ValidationFailedError(_("及格分应在 1 到 100 之间。"), field="pass_mark")
    roles = list(required_for or [])
    valid = {*Role.values, "mediator"}
    if any(r not in valid for r in roles):
        raise ValidationFailedError(
            _("必修角色只能是：{roles}。").format(roles="、".join(sorted(valid))), field="required_for"
        )
    hours = Decimal(str(hours))
    if not Decimal("0.5") <= hours <= Decimal("100"):
        raise ValidationFailedError(_("学时应在 0.5 到 100 之间。"), field="hours")
    course = Course.objects.create(
        code=code,
        title=_text(title, field="title", what=_("课程名称"), limit=TITLE_MAX_LENGTH),
        description=_text(description, field="description", what=_("简介"), limit=2000, required=False),
        hours=hours,
        pass_mark=pass_mark,
        required_for=roles,
        days_to_complete=max(1, min(days_to_complete, MAX_DUE_DAYS)),
    )
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type="course",
        object_id=course.code,
        actor=actor,
        data={"event": "created"},
    )
    return course


def lesson_add(
    *,
    actor: User,
    course: Course,
    title: str,
    body: str = "",
    url: str = "",
    material_kind: str = "article",
    minutes: int = 20,
    kind: str = LessonKind.LESSON,
) -> Lesson:
    ensure_manager(actor)
    if not body and not url:
        raise ValidationFailedError(_("请填写课时正文，或给出 PDF / 视频链接。"), field="body")
    if url and not re.match(r"^https?://", url):
        raise ValidationFailedError(_("链接应以 http:// 或 https:// 开头。"), field="url")
    order = course.lessons.count() + 1
    return Lesson.objects.create(
        course=course,
        order=order,
        title=_text(title, field="title", what=_("标题"), limit=TITLE_MAX_LENGTH),
        body=_text(body, field="body", what=_("正文"), limit=BODY_MAX_LENGTH, required=False),
        url=url[:500],
        material_kind=material_kind,
        minutes=max(1, min(minutes, 600)),
        kind=kind,
    )


PHONE_OR_ID = re.compile(r"\d{7,}[\dXx]?")


def anonymise(text: str, names: list[str]) -> str:
    """Remove what could identify a resident: names given, runs of 7+ digits (phones, ID numbers)."""
    for name in names:
        if name:
            text = text.replace(name, "某群众")
    return PHONE_OR_ID.sub("（已隐去）", text)


@transaction.atomic
def lesson_from_appeal(*, actor: User, course: Course, appeal: Appeal, title: str = "") -> Lesson:
    """Turn a typical appeal into a case-study lesson (典型案例), anonymised: no tracking number,
    no name, no phone or ID number, no address; the category, the question and the answer stay."""
    ensure_manager(actor)
    if not appeal.reply_text:
        raise ValidationFailedError(_("只有已答复的诉求可以作为典型案例。"), field="appeal")
    names = [appeal.contact_name] + ([appeal.resident.display_name] if appeal.resident else [])
    category = appeal.category.name if appeal.category else ""
    body = _("【问题】{text}\n\n【答复】{reply}\n\n【分类】{category}").format(
        text=anonymise(appeal.text.replace(appeal.address, "某地") if appeal.address else appeal.text, names),
        reply=anonymise(appeal.reply_text, names),
        category=category or "—",
    )
    lesson = lesson_add(
        actor=actor,
        course=course,
        title=title or _("典型案例：{title}").format(title=anonymise(appeal.title, names))[:TITLE_MAX_LENGTH],
        body=body,
        kind=LessonKind.CASE_STUDY,
    )
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type="course",
        object_id=course.code,
        actor=actor,
        data={"event": "case_study_added", "lesson": lesson.pk, "appeal": appeal.tracking_number},
    )
    return lesson


def question_add(*, actor: User, course: Course, text: str, choices: list[str], answer: int) -> Question:
    ensure_manager(actor)
    cleaned = [c.strip() for c in choices if c and c.strip()]
    if not 2 <= len(cleaned) <= MAX_CHOICES or any(len(c) > CHOICE_MAX_LENGTH for c in cleaned):
        raise ValidationFailedError(
            _("每道题需要 2 到 {n} 个选项，每项不超过 {m} 字。").format(n=MAX_CHOICES, m=CHOICE_MAX_LENGTH),
            field="choices",
        )
    if not 0 <= answer < len(cleaned):
        raise ValidationFailedError(_("正确选项的序号超出了选项范围。"), field="answer")
    return Question.objects.create(
        course=course,
        order=course.questions.count() + 1,
        text=_text(text, field="text", what=_("题目"), limit=500),
        choices=cleaned,
        answer=answer,
    )


@transaction.atomic
def course_publish(*, actor: User, course: Course) -> Course:
    ensure_manager(actor)
    if not course.lessons.exists() or not course.questions.exists():
        raise ValidationFailedError(_("发布前请至少添加一个课时和一道测验题。"))
    course.published = True
    course.save(update_fields=["published"])
    audit_append(
        action=AuditAction.CONFIG_CHANGE,
        object_type="course",
        object_id=course.code,
        actor=actor,
        data={"event": "published"},
    )
    return course


# --- enrolments ----------------------------------------------------------------------------------


def _enrol(user: User, course: Course, *, by: User | None, reason: str, due_days: int | None) -> Enrolment:
    now = timezone.now()
    days = due_days if due_days is not None else course.days_to_complete
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                user=user,
                course=course,
                assigned_by=by,
                reason=reason,
                assigned_at=now,
                due_at=now + dt.timedelta(days=days),
            )
    except IntegrityError:
        return Enrolment.objects.get(user=user, course=course)
    events.record(enrolment, events.Assigned(reason=reason or ""), by, from_status="")
    notify_users(
        user_ids=[user.pk],
        title=_("新的学习任务：{title}").format(title=course.title),
        body=reason,
        link="/learning/",
        kind="learning_assigned",
    )
    return enrolment


@transaction.atomic
def enrolment_assign(
    *, actor: User, user: User | int, course: Course | str, reason: str, due_days: int | None = None
) -> Enrolment:
    """A supervisor assigns a course to a cadre (e.g. satisfaction or timeliness below target)."""
    ensure_manager(actor)
    target = user if isinstance(user, User) else User.objects.filter(pk=user).first()
    if target is None or not is_cadre(target):
        raise ValidationFailedError(_("只能给工作人员或调解员指定学习任务。"), field="user")
    found = (
        course if isinstance(course, Course) else Course.objects.filter(code=course, published=True).first()
    )
    if found is None or not found.published:
        raise ValidationFailedError(_("请选择一门已发布的课程。"), field="course")
    if due_days is not None and not 1 <= due_days <= MAX_DUE_DAYS:
        raise ValidationFailedError(
            _("完成期限应在 1 到 {n} 天之间。").format(n=MAX_DUE_DAYS), field="due_days"
        )
    reason = _text(reason, field="reason", what=_("指定学习的原因"), limit=REASON_MAX_LENGTH)
    enrolment = _enrol(target, found, by=actor, reason=reason, due_days=due_days)
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="enrolment",
        object_id=enrolment.pk,
        actor=actor,
        data={"event": "assigned", "user": target.pk, "course": found.code},
    )
    return enrolment


@transaction.atomic
def enrolment_assign_unit(*, actor: User, unit: Unit, course: Course | str, reason: str) -> list[Enrolment]:
    """Assign a course to every handler of a unit whose figures fell below target."""
    users = User.objects.filter(roles__unit=unit, roles__role=Role.HANDLER, is_active=True).distinct()
    return [enrolment_assign(actor=actor, user=u, course=course, reason=reason) for u in users]


def enrol_required(*, user: User) -> list[Enrolment]:
    """Enrol a cadre in the published courses their roles require (idempotent)."""
    from lianxin.org.selectors import scope_of

    roles = set(scope_of(user).roles)
    if user.mediator_posts.filter(active=True).exists():
        roles.add("mediator")
    made = []
    for course in Course.objects.filter(published=True):
        if (
            roles & set(course.required_for)
            and not Enrolment.objects.filter(user=user, course=course).exists()
        ):
            made.append(_enrol(user, course, by=None, reason=_("岗位必修课"), due_days=None))
    return made


def _locked(enrolment: Enrolment | int) -> Enrolment:
    pk = enrolment.pk if isinstance(enrolment, Enrolment) else enrolment
    found = Enrolment.objects.select_for_update().select_related("course").filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("没有找到该学习记录。"))
    return found


@transaction.atomic
def lesson_complete(*, actor: User, enrolment: Enrolment | int, lesson: Lesson | int) -> Enrolment:
    enrolment = _locked(enrolment)
    ensure_learner(actor, enrolment, Action.STUDY)
    found = enrolment.course.lessons.filter(pk=lesson.pk if isinstance(lesson, Lesson) else lesson).first()
    if found is None:
        raise ValidationFailedError(_("该课时不属于这门课程。"), field="lesson")
    _done, created = LessonDone.objects.get_or_create(
        enrolment=enrolment, lesson=found, defaults={"at": timezone.now()}
    )
    if created:
        before = enrolment.status
        enrolment.status = EnrolmentStatus.IN_PROGRESS
        enrolment.save(update_fields=["status"])
        events.record(enrolment, events.LessonDone(lesson=found.pk), actor, from_status=before)
    return enrolment


def score(questions: list[Question], answers: list[int]) -> int:
    """The percentage of questions answered right (rounded down); unanswered count as wrong."""
    if not questions:
        return 0
    right = sum(1 for q, a in zip(questions, answers, strict=False) if a == q.answer)
    return right * 100 // len(questions)


@transaction.atomic
def quiz_submit(*, actor: User, enrolment: Enrolment | int, answers: list[int]) -> QuizAttempt:
    """Score the quiz; passing needs every lesson done and the pass mark; a pass issues a certificate."""
    enrolment = _locked(enrolment)
    ensure_learner(actor, enrolment, Action.TAKE_QUIZ)
    course = enrolment.course
    questions = list(course.questions.all())
    if len(answers) != len(questions):
        raise ValidationFailedError(_("请回答全部 {n} 道题。").format(n=len(questions)), field="answers")
    if enrolment.lessons_done.count() < course.lessons.count():
        raise ValidationFailedError(_("请先学完全部课时再参加测验。"), field="answers")
    result = score(questions, answers)
    passed = result >= course.pass_mark
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        enrolment=enrolment, at=now, answers=answers, score=result, passed=passed
    )
    before = enrolment.status
    enrolment.best_score = max(result, enrolment.best_score or 0)
    if passed:
        enrolment.status, enrolment.passed_at = EnrolmentStatus.PASSED, now
        enrolment.certificate_code = secrets.token_hex(6).upper()
    enrolment.save()
    outcome = events.Passed if passed else events.QuizFailed
    events.record(enrolment, outcome(score=result, pass_mark=course.pass_mark), actor, from_status=before)
    return attempt
