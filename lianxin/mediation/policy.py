"""Who may do what to a mediation case, and in which status: the one place for every check.

The state machine is `TRANSITIONS`; `WHO_MAY` names the roles; `visible_q` is the queryset filter
beside the predicates, and `may_see_parties` decides who reads the parties' personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.actors import Actor
from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError
from lianxin.org.models import Role, User
from lianxin.org.selectors import area_subtree_q, in_area_subtree, scope_of

from .models import STATUS_LABELS, MediationCase, Status

if TYPE_CHECKING:
    from lianxin.org.models import Area

# Intake (受理、指派): dispatchers (scoped to their area when they have one), operators and admins.
INTAKE_ROLES = (Role.DISPATCHER, Role.OPERATOR)
# Oversight: supervisors see everything in their area, parties' data included; leaders see cases masked.
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.LEADER)


class Action:
    ACCEPT = "accept"
    DECLINE = "decline"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    RECORD_SESSION = "record_session"
    EXTEND = "extend"
    FLAG_RISK = "flag_risk"
    RECORD_AGREEMENT = "record_agreement"
    SIGN = "sign"
    REFER = "refer"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    RECORD_CONSENT = "record_consent"


_WORKING = frozenset({Status.ASSIGNED, Status.IN_MEDIATION})
_OPEN = frozenset({Status.REQUESTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_MEDIATION, Status.AGREED})

# For each action: the statuses it starts from, and the status it leads to (None: unchanged).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.ACCEPT: (frozenset({Status.REQUESTED}), Status.ACCEPTED),
    Action.DECLINE: (frozenset({Status.REQUESTED}), Status.DECLINED),
    Action.ASSIGN: (frozenset({Status.ACCEPTED}), Status.ASSIGNED),
    Action.REASSIGN: (_WORKING, None),
    Action.RECORD_SESSION: (_WORKING, Status.IN_MEDIATION),
    Action.EXTEND: (_WORKING, None),
    Action.FLAG_RISK: (_OPEN, None),
    Action.RECORD_AGREEMENT: (frozenset({Status.IN_MEDIATION}), Status.AGREED),
    Action.SIGN: (frozenset({Status.AGREED}), None),
    Action.REFER: (_WORKING, Status.REFERRED),
    Action.FOLLOW_UP: (frozenset({Status.AGREED}), None),
    Action.CLOSE: (frozenset({Status.AGREED}), Status.CLOSED),
    Action.WITHDRAW: (_OPEN - {Status.AGREED}, Status.WITHDRAWN),
    Action.RECORD_CONSENT: (frozenset({Status.ACCEPTED}) | _WORKING, None),
}

ACTION_LABELS = {
    Action.ACCEPT: gettext_lazy("受理"),
    Action.DECLINE: gettext_lazy("不予受理"),
    Action.ASSIGN: gettext_lazy("指派调解员"),
    Action.REASSIGN: gettext_lazy("改派调解员"),
    Action.RECORD_SESSION: gettext_lazy("记录调解"),
    Action.EXTEND: gettext_lazy("延长调解期限"),
    Action.FLAG_RISK: gettext_lazy("风险预警"),
    Action.RECORD_AGREEMENT: gettext_lazy("记录调解协议"),
    Action.SIGN: gettext_lazy("登记协议签字"),
    Action.REFER: gettext_lazy("调解不成·引导"),
    Action.FOLLOW_UP: gettext_lazy("回访"),
    Action.CLOSE: gettext_lazy("结案"),
    Action.WITHDRAW: gettext_lazy("撤回"),
    Action.RECORD_CONSENT: gettext_lazy("登记当事人同意调解"),
}

MAX_EXTENSIONS = 1


def _case_path(case: MediationCase) -> str | None:
    return case.area.path if case.area_id else None


def _is_intake(actor: Actor, case: MediationCase) -> bool:
    scope = actor.scope
    if scope.has(Role.ADMIN, Role.OPERATOR):
        return True
    if not scope.has(Role.DISPATCHER):
        return False
    areas = scope.areas_for(Role.DISPATCHER)
    return not areas or in_area_subtree(_case_path(case), areas)


def _is_supervisor(actor: Actor, case: MediationCase) -> bool:
    scope = actor.scope
    if scope.has(Role.ADMIN):
        return True
    areas = scope.areas_for(Role.SUPERVISOR)
    return bool(areas) and in_area_subtree(_case_path(case), areas)


def _is_mediator(actor: Actor, case: MediationCase) -> bool:
    return actor.user is not None and case.mediator_id is not None and case.mediator_id == actor.user_id


def _is_requester(actor: Actor, case: MediationCase) -> bool:
    return actor.resident_owner and actor.user is not None and case.requested_by_id == actor.user_id


def _intake_or_supervisor(actor: Actor, case: MediationCase) -> bool:
    return _is_intake(actor, case) or _is_supervisor(actor, case)


def _mediator_or_supervisor(actor: Actor, case: MediationCase) -> bool:
    return _is_mediator(actor, case) or _is_supervisor(actor, case)


WHO_MAY: dict[str, Callable[[Actor, MediationCase], bool]] = {
    Action.ACCEPT: _intake_or_supervisor,
    Action.DECLINE: _intake_or_supervisor,
    Action.ASSIGN: _intake_or_supervisor,
    Action.REASSIGN: _intake_or_supervisor,
    Action.RECORD_SESSION: _is_mediator,
    Action.EXTEND: _mediator_or_supervisor,
    Action.FLAG_RISK: lambda a, c: _intake_or_supervisor(a, c) or _is_mediator(a, c),
    Action.RECORD_AGREEMENT: _is_mediator,
    Action.SIGN: _is_mediator,
    Action.REFER: _mediator_or_supervisor,
    Action.FOLLOW_UP: _mediator_or_supervisor,
    Action.CLOSE: _mediator_or_supervisor,
    Action.WITHDRAW: lambda a, c: _is_requester(a, c) or _is_intake(a, c) or _is_mediator(a, c),
    Action.RECORD_CONSENT: lambda a, c: _is_mediator(a, c) or _is_intake(a, c),
}


def _extra_conditions(case: MediationCase, action: str) -> str | None:
    """Conditions beyond status and role; returns why the action is refused, or None."""
    if action == Action.EXTEND and case.extended_days and MAX_EXTENSIONS <= 1:
        return _("调解期限已经延长过一次，不能再延长；请按期结案或引导当事人通过其他途径解决。")
    if action == Action.RECORD_AGREEMENT and case.parties.filter(consent=False).exists():
        return _("还有当事人没有同意调解，不能记录调解协议。")
    if action == Action.RECORD_CONSENT and not case.parties.filter(consent=False).exists():
        return _("所有当事人都已同意调解。")
    if action == Action.SIGN and not case.parties.filter(signed_at__isnull=True).exists():
        return _("所有当事人都已在协议上签字。")
    if action == Action.CLOSE:
        if case.parties.filter(signed_at__isnull=True).exists():
            return _("还有当事人没有在调解协议上签字，不能结案。")
        if not case.follow_ups.exists():
            return _("结案前请至少回访一次，确认协议履行情况。")
    return None


def can(actor: Actor, case: MediationCase, action: str) -> bool:
    if actor.system:
        return True
    sources, _target = TRANSITIONS[action]
    return case.status in sources and WHO_MAY[action](actor, case) and _extra_conditions(case, action) is None


def allowed_actions(actor: Actor, case: MediationCase) -> list[str]:
    return [action for action in TRANSITIONS if can(actor, case, action)]


def ensure_allowed(actor: Actor, case: MediationCase, action: str) -> None:
    """Raise a clear error unless `actor` may perform `action` on `case` now."""
    if actor.system:
        return
    label = ACTION_LABELS[action]
    sources, _target = TRANSITIONS[action]
    # who first: someone who may never do this learns nothing about the case's status
    if not WHO_MAY[action](actor, case):
        raise ForbiddenError(_("您没有权限对该调解案件执行“{label}”。").format(label=label))
    if case.status not in sources:
        allowed = "、".join(str(STATUS_LABELS[s]) for s in sorted(sources))
        raise TransitionNotAllowedError(
            _("调解案件当前状态为“{status}”，不能{label}；只有处于“{allowed}”状态时才可以。").format(
                status=STATUS_LABELS[case.status], label=label, allowed=allowed
            )
        )
    reason = _extra_conditions(case, action)
    if reason:
        raise TransitionNotAllowedError(reason)


# --- reading -----------------------------------------------------------------------------------------


def visible_q(user: User | None) -> Q:
    """The cases `user` may open: staff by role and area, mediators their own, residents theirs,
    a unit the cases made from its appeals."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    scope = scope_of(user)
    if scope.has(Role.ADMIN, Role.OPERATOR):
        return Q()
    q = Q(mediator=user) | Q(requested_by=user) | Q(parties__user=user)
    units = scope.units_for(Role.HANDLER)
    if units:  # the unit that turned its appeal into a case follows it (parties masked)
        q |= Q(appeal__unit_id__in=units)
    if scope.has(Role.DISPATCHER):
        areas = scope.areas_for(Role.DISPATCHER)
        if not areas:
            return Q()
        q |= area_subtree_q(areas)
    grids = scope.areas_for(Role.GRID_WORKER)
    if grids:  # grid workers record disputes found on visits (intake.RECORDING_ROLES) and follow them
        q |= area_subtree_q(grids)
    oversight = scope.areas_for(*OVERSIGHT_ROLES)
    if oversight:
        q |= area_subtree_q(oversight)
    return q


def is_mediation_staff(user: User | None) -> bool:
    """Whether the user has a staff view of mediation (the workbench, the figures)."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_of(user)
    return (
        scope.has(Role.ADMIN, *INTAKE_ROLES, *OVERSIGHT_ROLES)
        or user.mediator_posts.filter(active=True).exists()
    )


def may_see_parties(user: User | None, case: MediationCase) -> bool:
    """The case's mediator and the supervisors over its area (and admins) read names, phones and ID
    numbers; everyone else sees them masked."""
    if user is None or not user.is_authenticated:
        return False
    actor = Actor.staff(user)
    return _is_mediator(actor, case) or _is_supervisor(actor, case)


# The figures (调解统计): supervisors, leaders and dispatchers for their areas (everywhere when
# unscoped), admins everywhere. The figures page and the API ask `figures_reach`.
FIGURES_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER)


def figures_reach(user: User | None) -> tuple[str, ...] | None:
    """The area paths whose mediation figures `user` reads (None: everywhere); ForbiddenError otherwise."""
    scope = scope_of(user)
    if not scope.has(Role.ADMIN, *FIGURES_ROLES):
        raise ForbiddenError(_("只有督查员、领导和派单员可以查看调解统计。"))
    areas = scope.areas_for(*FIGURES_ROLES)
    return None if scope.has(Role.ADMIN) or not areas else areas


# Who may record a dispute found on a visit or at the counter (登记纠纷): the web's form, the API
# and `intake.case_request` all ask `may_record_dispute`; active mediators may too.
RECORDING_ROLES = (Role.ADMIN, Role.OPERATOR, Role.DISPATCHER, Role.GRID_WORKER, Role.SUPERVISOR)


def may_record_dispute(user: User | None) -> bool:
    """Whether `user` may record a dispute on someone's behalf (leaders oversee, they do not record)."""
    if user is None or not user.is_authenticated:
        return False
    return scope_of(user).has(*RECORDING_ROLES) or user.mediator_posts.filter(active=True).exists()


def ensure_may_record_dispute(user: User | None) -> None:
    if not may_record_dispute(user):
        raise ForbiddenError(_("只有工作人员可以登记走访中发现的纠纷。"))


def may_record_in(actor: Actor, area: Area) -> bool:
    """Centre-wide staff record anywhere; grid workers, supervisors and mediators within their areas."""
    scope = actor.scope
    if scope.has(Role.ADMIN, Role.OPERATOR, Role.DISPATCHER):
        return True
    posts = actor.user.mediator_posts.filter(active=True) if actor.user is not None else None
    paths = [
        *scope.areas_for(Role.GRID_WORKER, Role.SUPERVISOR),
        *(p for p in (posts.values_list("area__path", flat=True) if posts is not None else []) if p),
    ]
    return in_area_subtree(area.path, paths)


def acts_as_staff_on_intake(user: User | None) -> bool:
    """Whether a case asked for through the API is recorded by staff (a dispute found on a visit,
    `may_record_dispute`) or by other mediation staff (leaders: refused by the same rule), rather
    than requested by a resident for themselves."""
    return is_mediation_staff(user) or may_record_dispute(user)


# The workbench's queues: intake's two first for those who accept and assign cases.
QUEUE_INTAKE_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.SUPERVISOR)


def staff_queues_for(user: User) -> list[str]:
    names = []
    if scope_of(user).has(*QUEUE_INTAKE_ROLES):
        names += ["to_accept", "to_assign"]
    if user.mediator_posts.filter(active=True).exists():
        names.append("mine")
    return [*names, "in_mediation", "agreed", "high_risk", "overdue", "closed", "all"]
