"""Who may do what in a consultation, in which status and phase. The one place for every check.

Each action has one rule: a function `(user, consultation, now) -> refusal message | None`.
`can` is "the rule returned None"; `ensure_allowed` raises the rule's message. The rules combine
three things: the consultation's status, the features of its current phase (`phases.py`) and the
caller's role — the organiser (a staff member of the organising unit, or an admin) or a resident
who falls within the consultation's audience.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError, TransitionNotAllowedError
from lianxin.org.models import Role, Unit, User
from lianxin.org.selectors import in_area_subtree, scope_of

from .models import Audience, Consultation, ResidentProfile, Status
from .phases import Feature, allowed_now


class Action:
    VIEW = "view"
    EDIT = "edit"
    PUBLISH = "publish"
    CLOSE = "close"
    ARCHIVE = "archive"
    COMMENT = "comment"
    RATE = "rate"
    ANSWER_SURVEY = "answer_survey"
    ADD_STATEMENT = "add_statement"
    VOTE = "vote"
    ADD_PROPOSAL = "add_proposal"
    SUPPORT_PROPOSAL = "support_proposal"
    VOTE_BUDGET = "vote_budget"
    REGISTER = "register"  # for a forum or hearing
    RUN_HEARING = "run_hearing"  # create, select, check in, minutes
    REPORT = "report"
    MODERATE = "moderate"
    GIVE_FEEDBACK = "give_feedback"
    PUBLISH_DECISION = "publish_decision"
    ATTACH = "attach"  # add or remove the draft's attachments
    SUMMARISE = "summarise"  # draft, edit and publish the summary of the opinions


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused, and as which error: 403 (who you are), 409 (status or phase)."""

    message: str
    error: type[DomainError] = TransitionNotAllowedError


Rule = Callable[[User | None, Consultation, dt.datetime], Refusal | None]
ACTIVE = (Status.PUBLISHED, Status.CLOSED, Status.ARCHIVED)


def is_organiser(user: User | None, consultation: Consultation) -> bool:
    """An admin, or a staff member of the organising unit."""
    scope = scope_of(user)
    return scope.has(Role.ADMIN) or consultation.unit_id in scope.unit_ids


def may_create(user: User | None, unit: Unit) -> bool:
    scope = scope_of(user)
    return scope.has(Role.ADMIN) or unit.pk in scope.unit_ids


def organising_units_q(user: User | None) -> Q:
    """The units `user` may organise consultations for, as a filter on `Unit` (`may_create`'s rule)."""
    scope = scope_of(user)
    return Q() if scope.has(Role.ADMIN) else Q(pk__in=scope.unit_ids)


def audience_refusal(user: User | None, consultation: Consultation) -> Refusal | None:
    """Why `user` is outside the consultation's audience, or None."""
    if user is None or not user.is_authenticated:
        return Refusal(_("请先登录后再参与。"), ForbiddenError)
    if consultation.audience == Audience.ANYONE:
        return None
    profile = ResidentProfile.objects.filter(user=user).select_related("home_area").first()
    if consultation.audience == Audience.VERIFIED_PHONE:
        if profile is None or profile.phone_verified_at is None:
            return Refusal(_("本次征求意见只接受已验证手机号的居民参与，请先验证手机号。"), ForbiddenError)
        return None
    area = consultation.area
    home = profile.home_area if profile is not None else None
    if home is None:
        return Refusal(_("本次征求意见只接受本区域居民参与，请先在个人资料中填写居住社区。"), ForbiddenError)
    if area is not None and not in_area_subtree(home.path, [area.path]):
        return Refusal(_("本次征求意见只接受{area}的居民参与。").format(area=area.name), ForbiddenError)
    return None


def _status_is(consultation: Consultation, *statuses: str) -> Refusal | None:
    if consultation.status in statuses:
        return None
    allowed = "、".join(str(Status(s).label) for s in statuses)
    return Refusal(
        _("该征求意见当前为“{status}”，只有“{allowed}”时才可以这样做。").format(
            status=consultation.get_status_display(), allowed=allowed
        )
    )


def _organiser(user: User | None, consultation: Consultation) -> Refusal | None:
    if is_organiser(user, consultation):
        return None
    return Refusal(_("只有组织单位的工作人员可以这样做。"), ForbiddenError)


def _participation(feature: str, label: str) -> Rule:
    """A resident's action: published, the feature open in the current phase, the audience rule met."""

    def rule(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
        refused = _status_is(consultation, Status.PUBLISHED)
        if refused:
            return refused
        if not allowed_now(consultation, feature, now):
            return Refusal(_("当前阶段不能{label}；请在征集意见阶段参与。").format(label=label))
        return audience_refusal(user, consultation)

    rule.__name__ = f"may_{feature}"
    return rule


def _view(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
    if consultation.status in ACTIVE or is_organiser(user, consultation):
        return None
    return Refusal(_("没有找到该征求意见。"), NotFoundError)


def _staff_in_status(*statuses: str) -> Rule:
    def rule(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
        return _organiser(user, consultation) or _status_is(consultation, *statuses)

    return rule


def _report(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
    if user is None or not user.is_authenticated:
        return Refusal(_("请先登录后再举报。"), ForbiddenError)
    return _status_is(consultation, Status.PUBLISHED, Status.CLOSED)


def _registration(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
    """Forums and hearings take registrations while the consultation is published, in any phase."""
    return _status_is(consultation, Status.PUBLISHED) or audience_refusal(user, consultation)


def _staff_feature(feature: str) -> Rule:
    """Feedback and the decision: in a phase that allows it, or at any time once collecting closed."""

    def rule(user: User | None, consultation: Consultation, now: dt.datetime) -> Refusal | None:
        refused = _organiser(user, consultation) or _status_is(consultation, Status.PUBLISHED, Status.CLOSED)
        if refused:
            return refused
        if consultation.status == Status.CLOSED or allowed_now(consultation, feature, now):
            return None
        return Refusal(_("征集意见尚未结束：请在意见梳理、决策公布或反馈阶段（或结束征集后）再办理。"))

    return rule


RULES: dict[str, Rule] = {
    Action.VIEW: _view,
    Action.EDIT: _staff_in_status(Status.DRAFT),
    Action.PUBLISH: _staff_in_status(Status.DRAFT),
    Action.CLOSE: _staff_in_status(Status.PUBLISHED),
    Action.ARCHIVE: _staff_in_status(Status.CLOSED),
    Action.COMMENT: _participation(Feature.COMMENT, "发表意见"),
    Action.RATE: _participation(Feature.SUPPORT, "表态支持或反对"),
    Action.ANSWER_SURVEY: _participation(Feature.SURVEY, "填写问卷"),
    Action.ADD_STATEMENT: _participation(Feature.STATEMENTS, "提出观点"),
    Action.VOTE: _participation(Feature.STATEMENTS, "对观点表态"),
    Action.ADD_PROPOSAL: _participation(Feature.PROPOSALS, "提交金点子"),
    Action.SUPPORT_PROPOSAL: _participation(Feature.PROPOSALS, "支持金点子"),
    Action.VOTE_BUDGET: _participation(Feature.BUDGET, "投票选择预算项目"),
    Action.REPORT: _report,
    Action.REGISTER: _registration,
    Action.RUN_HEARING: _staff_in_status(Status.PUBLISHED, Status.CLOSED),
    Action.MODERATE: _staff_in_status(Status.PUBLISHED, Status.CLOSED),
    Action.GIVE_FEEDBACK: _staff_feature(Feature.FEEDBACK),
    Action.PUBLISH_DECISION: _staff_feature(Feature.DECISION),
    Action.ATTACH: _staff_in_status(Status.DRAFT, Status.PUBLISHED),
    Action.SUMMARISE: _staff_in_status(Status.PUBLISHED, Status.CLOSED),
}


def refusal(
    user: User | None, consultation: Consultation, action: str, now: dt.datetime | None = None
) -> Refusal | None:
    return RULES[action](user, consultation, now or timezone.now())


def can(user: User | None, consultation: Consultation, action: str, now: dt.datetime | None = None) -> bool:
    return refusal(user, consultation, action, now) is None


def allowed_actions(
    user: User | None, consultation: Consultation, now: dt.datetime | None = None
) -> set[str]:
    now = now or timezone.now()
    return {action for action in RULES if can(user, consultation, action, now)}


def ensure_allowed(
    user: User | None, consultation: Consultation, action: str, now: dt.datetime | None = None
) -> None:
    """Raise a clear error unless `user` may do `action` now: 404 for a draft they may not see,
    403 for a refusal because of who they are, 409 for the wrong status or phase."""
    now = now or timezone.now()
    for step in (Action.VIEW, action):
        refused = refusal(user, consultation, step, now)
        if refused is not None:
            raise refused.error(refused.message)


def visible_q(user: User | None) -> Q:
    """The consultations `user` may see: every non-draft one, and drafts of their own units."""
    scope = scope_of(user)
    if scope.has(Role.ADMIN):
        return Q()
    return Q(status__in=ACTIVE) | Q(unit_id__in=scope.unit_ids)


def moderation_q(user: User | None) -> Q:
    """The consultations whose contributions `user` moderates."""
    scope = scope_of(user)
    if scope.has(Role.ADMIN):
        return Q()
    return Q(unit_id__in=scope.unit_ids)
