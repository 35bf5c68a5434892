"""Who may do what to an appeal, and in which status. One place for every permission check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.errors import ForbiddenError, TransitionNotAllowedError
from lianxin.org.models import Role
from lianxin.org.selectors import Scope, area_subtree_q, in_area_subtree

from .actors import Actor
from .events import ReturnJudged, payload_of
from .merged import survivor_of
from .models import OPEN_STATUSES, Appeal, AppealEvent, Channel, EventType, Kind, ReviewerKind, Status
from .review_rules import pending_review, review_rule_for

# The roles that talk to residents and so see their name and phone on any appeal they may see (not
# anonymous ones): operators and dispatchers, and supervisors who call back (回访). Only they may
# find appeals by phone (`phone_search`). A unit's handlers see the contact of their own appeals
# when the resident consented (`privacy.may_see_contact`).
CONTACT_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR)

# Hotline quick entry (热线录入): who takes residents' calls and types them in. The nav, the
# workbench home and the hotline views all ask `may_take_hotline_calls`.
HOTLINE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)


# Call-back (回访) after a reply: the centre's operators and dispatchers (and admins) call the
# resident and record the rating or reopening on their behalf (`Actor.on_behalf`).
CALLBACK_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)


def may_call_back(scope: Scope) -> bool:
    return scope.has(*CALLBACK_ROLES)


def ensure_may_call_back(scope: Scope) -> None:
    if not may_call_back(scope):
        raise ForbiddenError(_("回访仅供接线员、派单员和管理员使用。"))


def may_take_hotline_calls(scope: Scope) -> bool:
    return scope.has(*HOTLINE_ROLES)


def ensure_may_take_hotline_calls(scope: Scope) -> None:
    if not may_take_hotline_calls(scope):
        raise ForbiddenError(_("热线录入仅供接线员、派单员和管理员使用。"))


class Action:
    DISPATCH = "dispatch"
    REDISPATCH = "redispatch"
    ACCEPT = "accept"
    RETURN = "return"
    ADD_CO_HANDLER = "add_co_handler"
    CO_REPLY = "co_reply"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    ANSWER_DIRECTLY = "answer_directly"
    RATE = "rate"
    REOPEN = "reopen"
    MERGE = "merge"
    WITHDRAW = "withdraw"
    RECLASSIFY = "reclassify"
    CLOSE_UNRATED = "close_unrated"  # the deadline sweep only
    # Reply review (答复审核): the reviewer publishes the unit's reply, or sends it back with a reason
    APPROVE_REPLY = "approve_reply"
    REJECT_REPLY = "reject_reply"
    # A resident whose appeal was merged (并案) rates the surviving appeal's reply
    RATE_MERGED = "rate_merged"
    CONTACT_RESIDENT = "contact_resident"
    JUDGE_RETURN = "judge_return"
    CALLBACK = "callback"  # a call-back attempt (回访): recorded, the status does not change
    CALLBACK_UNREACHABLE = "callback_unreachable"  # the last unanswered call-back closes it
    # A repeat call or message about an open appeal (催办 / 补充): recorded, the status does not change
    CHASE = "chase"
    # A grid worker's work on the spot (现场核查, 照片, 备注, 回告): recorded, the status does not change
    FIELD_RECORD = "field_record"


# The state machine: for each action, the statuses it starts from and the status it leads to
# (None: the status does not change).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.DISPATCH: (frozenset({Status.SUBMITTED, Status.RETURNED}), Status.DISPATCHED),
    Action.REDISPATCH: (frozenset({Status.DISPATCHED}), Status.DISPATCHED),
    Action.ACCEPT: (frozenset({Status.DISPATCHED}), Status.ACCEPTED),
    Action.RETURN: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), Status.RETURNED),
    Action.ADD_CO_HANDLER: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.CO_REPLY: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    Action.REQUEST_EXTENSION: (frozenset({Status.ACCEPTED}), None),
    Action.DECIDE_EXTENSION: (frozenset({Status.ACCEPTED}), None),
    Action.REPLY: (frozenset({Status.ACCEPTED}), Status.REPLIED),
    Action.ANSWER_DIRECTLY: (frozenset({Status.SUBMITTED, Status.RETURNED}), Status.CLOSED),
    Action.RATE: (frozenset({Status.REPLIED}), Status.CLOSED),
    Action.REOPEN: (frozenset({Status.CLOSED}), Status.DISPATCHED),
    Action.MERGE: (
        frozenset({Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED}),
        Status.MERGED,
    ),
    Action.WITHDRAW: (
        frozenset({Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED}),
        Status.WITHDRAWN,
    ),
    # Correcting the category or area (改分类): the status does not change, and a merged or
    # withdrawn appeal is no longer anyone's work.
    Action.RECLASSIFY: (
        frozenset(
            {
                Status.SUBMITTED,
                Status.DISPATCHED,
                Status.RETURNED,
                Status.ACCEPTED,
                Status.REPLIED,
                Status.CLOSED,
            }
        ),
        None,
    ),
    # A reply the resident did not rate in time is closed by the deadline sweep (system only).
    Action.CLOSE_UNRATED: (frozenset({Status.REPLIED}), Status.CLOSED),
    Action.APPROVE_REPLY: (frozenset({Status.ACCEPTED}), Status.REPLIED),
    Action.REJECT_REPLY: (frozenset({Status.ACCEPTED}), None),
    Action.RATE_MERGED: (frozenset({Status.MERGED}), None),
    # The unit records that it reached the resident (联系群众): the response of docs/kpis.md.
    Action.CONTACT_RESIDENT: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
    # The centre judges a unit's return (退单审核) justified or not, whatever the appeal's status since.
    Action.JUDGE_RETURN: (frozenset(Status.values), None),
    Action.CALLBACK: (frozenset({Status.REPLIED}), None),
    Action.CALLBACK_UNREACHABLE: (frozenset({Status.REPLIED}), Status.CLOSED),
    Action.CHASE: (frozenset(OPEN_STATUSES), None),
    # The grid worker's queues (in progress, due soon, overdue) hold dispatched and accepted appeals
    Action.FIELD_RECORD: (frozenset({Status.DISPATCHED, Status.ACCEPTED}), None),
}

ACTION_LABELS = {
    Action.DISPATCH: gettext_lazy("派单"),
    Action.REDISPATCH: gettext_lazy("改派"),
    Action.ACCEPT: gettext_lazy("签收"),
    Action.RETURN: gettext_lazy("退单"),
    Action.ADD_CO_HANDLER: gettext_lazy("增加协办单位"),
    Action.CO_REPLY: gettext_lazy("协办答复"),
    Action.REQUEST_EXTENSION: gettext_lazy("申请延期"),
    Action.DECIDE_EXTENSION: gettext_lazy("审批延期"),
    Action.REPLY: gettext_lazy("答复"),
    Action.ANSWER_DIRECTLY: gettext_lazy("直接办结"),
    Action.RATE: gettext_lazy("评价"),
    Action.REOPEN: gettext_lazy("申请重办"),
    Action.MERGE: gettext_lazy("并案"),
    Action.WITHDRAW: gettext_lazy("撤回"),
    Action.RECLASSIFY: gettext_lazy("改分类"),
    Action.CLOSE_UNRATED: gettext_lazy("办结"),
    Action.APPROVE_REPLY: gettext_lazy("审核通过答复"),
    Action.REJECT_REPLY: gettext_lazy("退回答复"),
    Action.RATE_MERGED: gettext_lazy("评价"),
    Action.CONTACT_RESIDENT: gettext_lazy("联系群众"),
    Action.JUDGE_RETURN: gettext_lazy("退单审核"),
    Action.CALLBACK: gettext_lazy("回访"),
    Action.CALLBACK_UNREACHABLE: gettext_lazy("回访无法联系"),
    Action.CHASE: gettext_lazy("催办/补充"),
    Action.FIELD_RECORD: gettext_lazy("现场记录"),
}


@dataclass(frozen=True)
class Reach:
    """Where a role's rule applies: everywhere, or in the subtrees of some areas (none: nowhere).

    The predicate (`covers`, on one appeal) and the queryset filter (`q`, on appeals) come from the
    same value, so a queue and the rule it mirrors cannot drift apart."""

    everywhere: bool = False
    areas: tuple[str, ...] = ()

    def __or__(self, other: Reach) -> Reach:
        return Reach(self.everywhere or other.everywhere, self.areas + other.areas)

    def covers(self, appeal: Appeal) -> bool:
        return self.everywhere or (bool(self.areas) and _in_areas(appeal, self.areas))

    def q(self, prefix: str = "area__path") -> Q | None:
        """The appeals covered, as a filter (None: nowhere)."""
        if self.everywhere:
            return Q()
        return area_subtree_q(self.areas, prefix) if self.areas else None


EVERYWHERE = Reach(everywhere=True)


def dispatcher_reach(scope: Scope) -> Reach:
    """Admins everywhere; dispatchers in their areas (everywhere when unscoped)."""
    if scope.has(Role.ADMIN):
        return EVERYWHERE
    if not scope.has(Role.DISPATCHER):
        return Reach()
    areas = scope.areas_for(Role.DISPATCHER)
    return Reach(everywhere=not areas, areas=areas)


def may_dispatch_somewhere(scope: Scope) -> bool:
    """Whether the workbench offers dispatching (bulk dispatch, the unit list): `dispatcher_reach`
    is not nowhere."""
    reach = dispatcher_reach(scope)
    return reach.everywhere or bool(reach.areas)


def supervisor_reach(scope: Scope) -> Reach:
    """Admins everywhere; supervisors and leaders in their jurisdiction."""
    if scope.has(Role.ADMIN):
        return EVERYWHERE
    return Reach(areas=scope.areas_for(Role.SUPERVISOR, Role.LEADER))


def extension_decider_reach(scope: Scope) -> Reach:
    """Where extension requests may be decided (`WHO_MAY[Action.DECIDE_EXTENSION]`)."""
    return dispatcher_reach(scope) | supervisor_reach(scope)


def _is_dispatcher(actor: Actor, appeal: Appeal) -> bool:
    return dispatcher_reach(actor.scope).covers(appeal)


def _in_areas(appeal: Appeal, paths: tuple[str, ...]) -> bool:
    return in_area_subtree(appeal.area.path if appeal.area is not None else None, paths)


def _is_main_handler(actor: Actor, appeal: Appeal) -> bool:
    return appeal.unit_id is not None and appeal.unit_id in actor.scope.units_for(Role.HANDLER)


def _is_co_handler(actor: Actor, appeal: Appeal) -> bool:
    units = actor.scope.units_for(Role.HANDLER)
    return bool(units) and appeal.co_handlers.filter(unit_id__in=units).exists()


def grid_worker_reach(scope: Scope) -> Reach:
    """Grid workers in their grids (or the areas they are assigned above them)."""
    return Reach(areas=scope.areas_for(Role.GRID_WORKER))


def _is_grid_worker_here(actor: Actor, appeal: Appeal) -> bool:
    return grid_worker_reach(actor.scope).covers(appeal)


def _is_operator(actor: Actor, appeal: Appeal) -> bool:
    return actor.scope.has(Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)


def _is_supervisor_here(actor: Actor, appeal: Appeal) -> bool:
    return supervisor_reach(actor.scope).covers(appeal)


def _is_owner(actor: Actor, appeal: Appeal) -> bool:
    if actor.resident_owner:
        return True
    if actor.via == "callback":  # a call-back operator acting for the resident
        return actor.user is not None and may_call_back(actor.scope)
    return actor.user is not None and appeal.resident_id == actor.user_id


def reply_reviewer_kind(appeal: Appeal) -> str:
    """Who reviews this appeal's reply: the pending review's reviewer, else the rule's (centre)."""
    pending = pending_review(appeal)
    if pending is not None:
        return pending.reviewer
    rule = review_rule_for(appeal)
    return rule.reviewer if rule is not None else ReviewerKind.CENTRE


def reply_review_reach(scope: Scope) -> Reach:
    """Where the centre reviews replies: dispatchers, supervisors and leaders in their areas."""
    return dispatcher_reach(scope) | supervisor_reach(scope)


def _is_unit_leader(actor: Actor, appeal: Appeal) -> bool:
    return appeal.unit_id is not None and appeal.unit_id in actor.scope.units_for(Role.LEADER)


def _is_reply_reviewer(actor: Actor, appeal: Appeal) -> bool:
    if actor.scope.has(Role.ADMIN):
        return True
    pending = pending_review(appeal)
    if pending is None:  # nothing to review (refused after, with that reason): whoever could review
        return _is_unit_leader(actor, appeal) or reply_review_reach(actor.scope).covers(appeal)
    if pending.reviewer == ReviewerKind.LEADER:
        return _is_unit_leader(actor, appeal)
    return reply_review_reach(actor.scope).covers(appeal)


WHO_MAY: dict[str, Callable[[Actor, Appeal], bool]] = {
    Action.DISPATCH: _is_dispatcher,
    Action.REDISPATCH: _is_dispatcher,
    Action.ACCEPT: _is_main_handler,
    Action.RETURN: _is_main_handler,
    Action.ADD_CO_HANDLER: lambda a, ap: _is_dispatcher(a, ap) or _is_main_handler(a, ap),
    Action.CO_REPLY: _is_co_handler,
    Action.REQUEST_EXTENSION: _is_main_handler,
    Action.DECIDE_EXTENSION: lambda a, ap: extension_decider_reach(a.scope).covers(ap),
    Action.REPLY: _is_main_handler,
    Action.ANSWER_DIRECTLY: _is_operator,
    Action.RATE: _is_owner,
    Action.REOPEN: _is_owner,
    Action.MERGE: _is_dispatcher,
    Action.WITHDRAW: lambda a, ap: _is_owner(a, ap) or _is_operator(a, ap),
    Action.RECLASSIFY: _is_dispatcher,
    Action.CLOSE_UNRATED: lambda a, ap: False,  # system actors only (they pass every check)
    Action.APPROVE_REPLY: _is_reply_reviewer,
    Action.REJECT_REPLY: _is_reply_reviewer,
    Action.RATE_MERGED: _is_owner,
    Action.CONTACT_RESIDENT: _is_main_handler,
    Action.JUDGE_RETURN: _is_dispatcher,
    Action.CALLBACK: lambda a, ap: a.user is not None and may_call_back(a.scope),
    Action.CALLBACK_UNREACHABLE: lambda a, ap: a.user is not None and may_call_back(a.scope),
    Action.CHASE: lambda a, ap: _is_operator(a, ap) or may_supplement_own(a, ap),
    Action.FIELD_RECORD: _is_grid_worker_here,
}


def may_supplement_own(actor: Actor, appeal: Appeal) -> bool:
    """The resident who raised a web appeal may add to it (补充) — never chase it (催办 is the
    hotline's: operators and dispatchers record the repeat call)."""
    return appeal.channel == Channel.WEB and actor.via == "" and _is_owner(actor, appeal)


def may_chase(actor: Actor, appeal: Appeal, kind: str) -> bool:
    """Whether `actor` may record a chase of this kind ("chase" 催办 or "supplement" 补充)."""
    return can(actor, appeal, Action.CHASE) and may_chase_kind(actor, appeal, kind)


def may_chase_kind(actor: Actor, appeal: Appeal, kind: str) -> bool:
    """The rule on the kind alone, for an actor already allowed `Action.CHASE`: only the centre
    chases (催办); the resident may only supplement (补充)."""
    return actor.system or _is_operator(actor, appeal) or kind == "supplement"


def _extra_conditions(actor: Actor, appeal: Appeal, action: str) -> str | None:  # noqa: PLR0911  one guard per rule
    """Conditions beyond status and role; returns why the action is refused, or None."""
    if action == Action.ANSWER_DIRECTLY and appeal.kind not in (Kind.INQUIRY, Kind.PRAISE, Kind.SUGGESTION):
        return "只有咨询、建议和表扬类诉求可以直接办结；其他诉求请派单办理。"
    if action == Action.REOPEN and appeal.reopen_count >= 1:
        return "每件诉求只能申请重办一次。如仍有问题，请提交新的诉求。"
    if action == Action.REOPEN and appeal.merged_into_id is not None:
        return "已并案的诉求不能重办。"
    if action == Action.REOPEN and appeal.unit_id is None:
        return "该诉求已直接办结，请提交新的诉求。"
    if action == Action.JUDGE_RETURN and unjudged_return(appeal) is None:
        return "该诉求没有待审核的退单。"
    if action == Action.DECIDE_EXTENSION and not appeal.extensions.filter(status="pending").exists():
        return "没有待审批的延期申请。"
    if action == Action.REQUEST_EXTENSION and appeal.extensions.filter(status="pending").exists():
        return "已有一份延期申请在等待审批。"
    if action == Action.REPLY and pending_review(appeal) is not None:
        return "答复正在等待审核；审核通过或退回之后才能再次答复。"
    if action in (Action.APPROVE_REPLY, Action.REJECT_REPLY):
        pending = pending_review(appeal)
        if pending is None:
            return "没有待审核的答复。"
        if actor.user_id is not None and pending.submitted_by_id == actor.user_id:
            return "不能审核自己提交的答复，请由其他审核人审核。"
    if action == Action.RATE_MERGED:
        if appeal.rated_at is not None:
            return "您已经评价过了。"
        survivor = survivor_of(appeal)
        if (
            survivor.pk == appeal.pk
            or survivor.status not in (Status.REPLIED, Status.CLOSED)
            or not survivor.reply_text
        ):
            return "并入的主诉求答复后才能评价。"
    return None


def unjudged_return(appeal: Appeal) -> AppealEvent | None:
    """The appeal's latest return (退单) that the centre has not judged yet, if any."""
    judged = [
        payload.return_event
        for event in appeal.events.filter(type=EventType.RETURN_JUDGED).only("type", "data")
        if isinstance(payload := payload_of(event), ReturnJudged)
    ]
    return (
        appeal.events.filter(type=EventType.RETURNED)
        .exclude(pk__in=[j for j in judged if j])
        .order_by("-id")
        .first()
    )


def can(actor: Actor, appeal: Appeal, action: str) -> bool:
    if actor.system:
        return True
    sources, _target = TRANSITIONS[action]
    if appeal.status not in sources:
        return False
    if not WHO_MAY[action](actor, appeal):
        return False
    return _extra_conditions(actor, appeal, action) is None


def allowed_actions(actor: Actor, appeal: Appeal) -> list[str]:
    return [action for action in TRANSITIONS if can(actor, appeal, action)]


def status_refusal(appeal: Appeal, action: str) -> str:
    """Why `action` cannot be done in the appeal's status (`TRANSITIONS`), in the reader's language."""
    sources, _target = TRANSITIONS[action]
    allowed = "、".join(str(Status(s).label) for s in sorted(sources))
    return _("诉求当前状态为“{status}”，不能{label}；只有处于“{allowed}”状态时才可以。").format(
        status=appeal.get_status_display(), label=ACTION_LABELS[action], allowed=allowed
    )


def ensure_allowed(actor: Actor, appeal: Appeal, action: str) -> None:
    """Raise a clear error unless `actor` may perform `action` on `appeal` now."""
    if actor.system:
        return
    label = ACTION_LABELS[action]
    sources, _target = TRANSITIONS[action]
    if appeal.status not in sources:
        raise TransitionNotAllowedError(status_refusal(appeal, action))
    if not WHO_MAY[action](actor, appeal):
        raise ForbiddenError(_("您没有权限对该诉求执行“{label}”。").format(label=label), code="forbidden")
    reason = _extra_conditions(actor, appeal, action)
    if reason:
        raise TransitionNotAllowedError(reason)


# --- the staff workbench's queues ------------------------------------------------------------------

# Which queues each role looks at first, in order (the queues themselves: `web.views.queues`).
# "extensions" only for the roles that may decide an extension request (`WHO_MAY[DECIDE_EXTENSION]`),
# "reply_review" only for those who may review a reply.
STAFF_QUEUES: dict[str, tuple[str, ...]] = {
    Role.ADMIN: (
        "to_dispatch",
        "returned",
        "to_accept",
        "in_progress",
        "extensions",
        "reply_review",
        "due_soon",
        "overdue",
        "awaiting_rating",
    ),
    Role.DISPATCHER: (
        "to_dispatch",
        "returned",
        "extensions",
        "reply_review",
        "due_soon",
        "overdue",
        "awaiting_rating",
    ),
    Role.OPERATOR: ("to_dispatch", "awaiting_rating"),
    Role.HANDLER: ("to_accept", "in_progress", "due_soon", "overdue", "awaiting_rating"),
    Role.GRID_WORKER: ("in_progress", "due_soon", "overdue"),
    Role.SUPERVISOR: (
        "to_dispatch",
        "in_progress",
        "extensions",
        "reply_review",
        "due_soon",
        "overdue",
        "awaiting_rating",
    ),
    Role.LEADER: ("in_progress", "extensions", "reply_review", "due_soon", "overdue", "awaiting_rating"),
}


def staff_queues_for(scope: Scope) -> list[str]:
    """The workbench queues a member of staff with `scope` sees, each once, in their roles' order."""
    names: list[str] = []
    for role, queue_names in STAFF_QUEUES.items():
        if scope.has(role):
            names += [n for n in queue_names if n not in names]
    return names


# --- who sees which appeals ------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealVisibility:
    """Which appeals a user sees: `selectors.appeals_visible_to` builds the query from it (the one
    place access is decided; "absent" and "not yours" give the same error there)."""

    everything: bool = False
    resident_id: int | None = None  # their own appeals
    areas: tuple[str, ...] = ()  # subtrees (operators', dispatchers', overseers', grid workers')
    units: frozenset[int] = frozenset()  # handler units: appeals dispatched to or co-handled by them


def appeal_visibility(user_pk: int, scope: Scope) -> AppealVisibility:
    """admin: all; operators and dispatchers: their area (all when unscoped); supervisors and
    leaders: their jurisdiction; handlers: appeals dispatched to their unit or co-handled by it;
    grid workers: their grids; a resident with an account: their own appeals."""
    if scope.has(Role.ADMIN):
        return AppealVisibility(everything=True)
    areas: tuple[str, ...] = ()
    for role in (Role.OPERATOR, Role.DISPATCHER):
        if scope.has(role):
            role_areas = scope.areas_for(role)
            if not role_areas:
                return AppealVisibility(everything=True)
            areas += tuple(role_areas)
    areas += tuple(scope.areas_for(Role.SUPERVISOR, Role.LEADER, Role.GRID_WORKER))
    return AppealVisibility(resident_id=user_pk, areas=areas, units=handler_units(scope))


def handler_units(scope: Scope) -> frozenset[int]:
    """The units whose appeals this member of staff handles (the handlers' queues narrow to them)."""
    return frozenset(scope.units_for(Role.HANDLER))


def reviews_every_reply(scope: Scope) -> bool:
    """Admins review any pending reply (`_is_reply_reviewer`)."""
    return scope.has(Role.ADMIN)


def leader_review_units(scope: Scope) -> frozenset[int]:
    """The units whose replies this user reviews as the unit's leader (`_is_unit_leader`)."""
    return frozenset(scope.units_for(Role.LEADER))


def sees_calendar_gaps(scope: Scope) -> bool:
    """Administrators (who enter `worktime.CalendarDay` rows) are told on the workbench when the
    working-day calendar lacks a year the deadlines will need."""
    return scope.has(Role.ADMIN)
