"""Who may do what in the learning centre: the one place for every check."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError
from lianxin.org.models import Role, User
from lianxin.org.selectors import scope_of

from .models import Enrolment, EnrolmentStatus

# Who writes courses, turns appeals into case studies and assigns courses to cadres.
MANAGER_ROLES = (Role.ADMIN, Role.SUPERVISOR)
# Who reads every cadre's learning record.
OVERSIGHT_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.LEADER)


class Action:
    MANAGE = "manage"
    ASSIGN = "assign"
    STUDY = "study"  # complete a lesson
    TAKE_QUIZ = "take_quiz"


# For the learner's actions: the enrolment statuses they start from.
LEARNER_SOURCES = {
    Action.STUDY: frozenset({EnrolmentStatus.ASSIGNED, EnrolmentStatus.IN_PROGRESS}),
    Action.TAKE_QUIZ: frozenset({EnrolmentStatus.ASSIGNED, EnrolmentStatus.IN_PROGRESS}),
}


def is_cadre(user: User | None) -> bool:
    """Staff of any role, or a registered mediator: the people the learning centre is for."""
    if user is None or not user.is_authenticated:
        return False
    return scope_of(user).is_staff_member or user.mediator_posts.filter(active=True).exists()


def may_manage(user: User | None) -> bool:
    return user is not None and user.is_authenticated and scope_of(user).has(*MANAGER_ROLES)


def may_oversee(user: User | None) -> bool:
    return user is not None and user.is_authenticated and scope_of(user).has(*OVERSIGHT_ROLES)


def ensure_manager(user: User | None) -> None:
    if not may_manage(user):
        raise ForbiddenError(_("只有督查员和管理员可以管理课程、指定学习任务。"))


def ensure_learner(user: User | None, enrolment: Enrolment, action: str) -> None:
    if user is None or enrolment.user_id != user.pk:
        raise ForbiddenError(_("只能学习自己的课程。"))
    if enrolment.status not in LEARNER_SOURCES[action]:
        raise TransitionNotAllowedError(_("这门课程已经通过，无需再学习或测验。"))


def can(user: User | None, enrolment: Enrolment, action: str) -> bool:
    if action in LEARNER_SOURCES:
        return (
            user is not None and enrolment.user_id == user.pk and enrolment.status in LEARNER_SOURCES[action]
        )
    if action in (Action.MANAGE, Action.ASSIGN):
        return may_manage(user)
    return False


def enrolments_visible_q(user: User | None) -> Q:
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if may_oversee(user):
        return Q()
    return Q(user=user)
