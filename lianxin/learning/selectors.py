"""Reads: courses, a cadre's learning record, certificates, the records supervisors oversee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from lianxin.core.errors import NotFoundError
from lianxin.org.models import User

from .models import Course, Enrolment, EnrolmentStatus
from .policy import enrolments_visible_q


@dataclass(frozen=True)
class LearningRecord:
    hours: Decimal
    passed: int
    open: int
    overdue: int


def published_courses() -> QuerySet[Course]:
    return Course.objects.filter(published=True).order_by("code")


def all_courses() -> QuerySet[Course]:
    """Every course, drafts first, with its counts (the authoring list)."""
    return Course.objects.annotate(
        n_lessons=Count("lessons", distinct=True),
        n_questions=Count("questions", distinct=True),
        n_enrolled=Count("enrolments", distinct=True),
    ).order_by("published", "code")


def course_by_code(code: str) -> Course:
    found = Course.objects.filter(code=(code or "")[:40]).first()
    if found is None:
        raise NotFoundError("没有这门课程。请从课程列表进入。")
    return found


def enrolments_of(user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(user=user).select_related("course").order_by("status", "due_at")


def enrolment_for(user: User, pk: int) -> Enrolment:
    found = (
        Enrolment.objects.filter(enrolments_visible_q(user), pk=pk).select_related("course", "user").first()
    )
    if found is None:
        raise NotFoundError("没有找到该学习记录，或您无权查看。")
    return found


def record_of(user: User) -> LearningRecord:
    qs = Enrolment.objects.filter(user=user)
    passed = qs.filter(status=EnrolmentStatus.PASSED)
    open_qs = qs.exclude(status=EnrolmentStatus.PASSED)
    hours = passed.aggregate(h=Sum("course__hours"))["h"] or Decimal("0")
    return LearningRecord(
        hours=hours,
        passed=passed.count(),
        open=open_qs.count(),
        overdue=open_qs.filter(due_at__lt=timezone.now()).count(),
    )


def records_overview(viewer: User) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(enrolments_visible_q(viewer))
        .select_related("user", "course")
        .order_by("user__username", "course__code")
    )


def certificate(code: str) -> Enrolment:
    """A passed enrolment by its verification code (the public check of a certificate)."""
    found = (
        Enrolment.objects.filter(certificate_code=(code or "").strip().upper(), status=EnrolmentStatus.PASSED)
        .select_related("user", "course")
        .first()
    )
    if found is None or not code:
        raise NotFoundError("没有这个证书编号。请核对证书上的验证码。")
    return found
