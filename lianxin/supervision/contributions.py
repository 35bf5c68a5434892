"""What each appeal event adds to the KPI counters: `event_contributions`, the single definition
of docs/kpis.md, and the replay state it reads and updates. `rollups` folds them into the tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lianxin.appeals import deadlines
from lianxin.appeals import events as ev
from lianxin.appeals.models import AppealEvent, EventType
from lianxin.org.models import Category
from lianxin.worktime import calendar


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(calendar.TZ).date()


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class AppealState:
    """What the replay of one appeal's events knows just before the next event."""

    area_id: int
    category_id: int
    street_id: int = 0
    top_category_id: int = 0
    category: Category | None = None
    urgency: str = "normal"
    submitted_at: dt.datetime | None = None
    unit_id: int = 0
    handling_start: dt.datetime | None = None
    due: dt.datetime | None = None
    replier_id: int = 0
    # Whether the current assignment (dispatch or re-dispatch) has had its response (first contact
    # with the resident, or the reply); and each return's unit, actor and whether it had one.
    responded: bool = False
    returns: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    # The latest closing rating (unit, cadre, satisfaction, solved), which a follow-up check corrects.
    rating: tuple[int, int, str, bool | None] | None = None
    # Set only for an appeal that was reclassified (改分类): the categories its replay passes
    # through, by id (shared by the states of one fold).
    categories: dict[int, Category] | None = None


@dataclass
class Contribution:
    day: dt.date
    unit_id: int
    area_id: int
    category_id: int
    counters: dict[str, int]
    cadre_id: int = 0
    street_id: int = 0
    top_category_id: int = 0


def overdue_working_days(due: dt.datetime, done: dt.datetime) -> int:
    """Working days late: working days after the due date up to the reply date, at least 1."""
    return max(1, calendar.working_days_between(local_day(due), local_day(done)))


def _seconds(later: dt.datetime, earlier: dt.datetime | None) -> int:
    if earlier is None:
        return 0
    return max(0, int((later - earlier).total_seconds()))


def _response(state: AppealState, at: dt.datetime) -> dict[str, int]:
    """The response counters of the current assignment's first contact with the resident (or its
    reply when no contact was recorded first); nothing when it had its response already."""
    if state.responded or not state.unit_id:
        return {}
    state.responded = True
    due = deadlines.response_due_at(state.handling_start, state.urgency) if state.handling_start else None
    return {"responded": 1, "responded_on_time": int(due is None or at <= due)}


def _excused(state: AppealState) -> dict[str, int]:
    """An assignment that ends, by the centre's or the resident's doing, before its response:
    it leaves the denominator of the response rate (docs/kpis.md)."""
    if state.responded or not state.unit_id:
        return {}
    state.responded = True
    return {"response_excused": 1}


_SATISFACTIONS = ("satisfied", "basic", "dissatisfied")


def _follow_up_correction(
    state: AppealState, check: ev.FollowUpChecked, unit: int
) -> tuple[dict[str, int], int, int]:
    """A follow-up check (回访抽查) that reached the resident supersedes the appeal's latest closing
    rating in the rates, in the period of the check: a satisfaction the check contradicts moves
    (satisfied or basic ↔ dissatisfied; `rated` unchanged), and the check's "really solved?" replaces
    the rating's "solved?". An appeal closed without a rating (automatically, unreachable, answered
    directly) gets the check as its rating: `rated` +1 when the check asked about satisfaction."""
    satisfied, really_solved = check.satisfied, check.really_solved
    counters: dict[str, int] = dict.fromkeys((*_SATISFACTIONS, "rated", "solved_known", "solved"), 0)
    if state.rating is not None:
        unit, cadre, old_satisfaction, old_solved = state.rating
    else:
        unit, cadre, old_satisfaction, old_solved = unit or state.unit_id, state.replier_id, "", None
        counters["rated"] = int(isinstance(satisfied, bool))
    new_satisfaction = old_satisfaction
    contradicts = not old_satisfaction or (old_satisfaction == "dissatisfied") == satisfied
    if isinstance(satisfied, bool) and contradicts:
        new_satisfaction = "satisfied" if satisfied else "dissatisfied"
        if old_satisfaction:
            counters[old_satisfaction] -= 1
        counters[new_satisfaction] += 1
    new_solved = really_solved if isinstance(really_solved, bool) else old_solved
    counters["solved_known"] = int(new_solved is not None) - int(old_solved is not None)
    counters["solved"] = int(new_solved is True) - int(old_solved is True)
    state.rating = (unit, cadre, new_satisfaction, new_solved)
    return counters, unit, cadre


def event_contributions(state: AppealState, event: AppealEvent) -> list[Contribution]:  # noqa: C901, PLR0912, PLR0915
    # one dispatch over the event types: split into functions, each counter's rule would be scattered
    """What one event adds to the counters, given the appeal's state before it; updates the state.

    Must be called for every event of an appeal in id order (the state depends on earlier ones).
    Most events make one contribution; a re-dispatch (改派) before any response makes two (the
    previous unit is excused, the new unit is assigned)."""
    t = event.type
    payload = ev.payload_of(event)  # typed fields, never the JSON's keys (ADR 0008)
    day = local_day(event.at)
    unit = event.unit_id or 0
    counters: dict[str, int] = {}
    cadre = 0
    before: list[Contribution] = []
    if t == EventType.SUBMITTED:
        state.submitted_at = event.at
        counters = {"received": 1}
        unit = 0
    elif t in (EventType.DISPATCHED, EventType.REDISPATCHED):
        if t == EventType.REDISPATCHED and (excused := _excused(state)):
            before.append(
                Contribution(
                    day,
                    state.unit_id,
                    state.area_id,
                    state.category_id,
                    excused,
                    0,
                    state.street_id,
                    state.top_category_id,
                )
            )
        state.unit_id, state.handling_start, state.due, state.responded = unit, event.at, None, False
        counters = {"assigned": 1}
    elif isinstance(payload, ev.Accepted):
        counters = {
            "accepted": 1,
            "accepted_on_time": 0 if payload.late else 1,
            "accept_seconds": _seconds(event.at, state.handling_start),
        }
        unit = unit or state.unit_id
        cadre = event.actor_id or 0
    elif t == EventType.RESIDENT_CONTACTED:
        counters, unit = _response(state, event.at), unit or state.unit_id
        cadre = event.actor_id or 0
    elif t == EventType.CHASED:  # 催办/补充: counts against whoever holds the appeal (0: the centre)
        counters, unit = {"chased": 1}, unit or state.unit_id
    elif t == EventType.ACCEPT_OVERDUE:
        counters, unit = {"accept_overdue": 1}, unit or state.unit_id
    elif t == EventType.RETURNED:
        counters, unit = {"returned": 1}, unit or state.unit_id
        cadre = event.actor_id or 0
        state.returns[event.id] = (unit, cadre, state.responded)
        state.unit_id, state.due = 0, None
    elif isinstance(payload, ev.ReturnJudged):
        returned_unit, returner, had_response = state.returns.pop(payload.return_event or 0, (0, 0, True))
        unit = unit or returned_unit
        cadre = payload.returned_by or returner
        if payload.justified:
            counters = {"returned_justified": 1, "response_excused": int(not had_response)}
        else:
            counters = {"returned_unjustified": 1}
    elif isinstance(payload, ev.ExtensionApproved):
        state.due = payload.new_due or state.due
        counters, unit = {"extended": 1}, unit or state.unit_id
    elif isinstance(payload, (ev.DueSoon, ev.Overdue)):
        state.due = payload.resolve_due_at or state.due
        if isinstance(payload, ev.Overdue):
            counters, unit = {"overdue": 1}, unit or state.unit_id
    elif isinstance(payload, ev.Replied):
        late = payload.late
        counters = {"replied": 1, "replied_on_time": 0 if late else 1, **_response(state, event.at)}
        if late:
            due = state.due
            if due is None and state.handling_start is not None:
                due = deadlines.compute_deadlines(
                    state.handling_start, state.category, state.urgency
                ).resolve_due_at
            counters["overdue_days"] = overdue_working_days(due, event.at) if due else 1
        unit = unit or state.unit_id
        cadre = event.actor_id or 0
        state.replier_id = cadre
    elif isinstance(payload, ev.Rated):
        satisfaction, solved = payload.satisfaction, payload.solved
        counters = {
            "rated": 1,
            "satisfied": int(satisfaction == "satisfied"),
            "basic": int(satisfaction == "basic"),
            "dissatisfied": int(satisfaction == "dissatisfied"),
            "solved_known": int(solved is not None),
            "solved": int(solved is True),
            "closed": 1,
            "close_seconds": _seconds(event.at, state.submitted_at),
        }
        if payload.merged:  # a merged appeal's resident rating the survivor's reply: not a closing
            counters["closed"] = counters["close_seconds"] = 0
        unit = unit or state.unit_id
        cadre = state.replier_id
        if not payload.merged:
            state.rating = (unit, cadre, satisfaction, solved if isinstance(solved, bool) else None)
    elif isinstance(payload, ev.FollowUpChecked):
        counters, unit, cadre = _follow_up_correction(state, payload, unit)
    elif t in (EventType.CLOSED, EventType.ANSWERED_DIRECTLY):
        counters = {"closed": 1, "close_seconds": _seconds(event.at, state.submitted_at)}
        if t == EventType.CLOSED:  # closed by the sweep, unrated: counted apart, never as satisfied
            counters["auto_closed"] = 1
        unit = state.unit_id
        cadre = state.replier_id if t == EventType.CLOSED else 0
    elif t == EventType.REOPENED:
        # the same assignment goes on: a second round has no response of its own to count
        counters, unit = {"reopened": 1}, unit or state.unit_id
        state.handling_start, state.due, state.replier_id = event.at, None, 0
    elif t == EventType.MERGED:
        counters, unit = {"merged": 1, **_excused(state)}, state.unit_id
    elif t == EventType.WITHDRAWN:
        counters, unit = {"withdrawn": 1, **_excused(state)}, state.unit_id
    counters = {name: value for name, value in counters.items() if value}
    if not counters:
        return before
    return [
        *before,
        Contribution(
            day,
            unit,
            state.area_id,
            state.category_id,
            counters,
            cadre,
            state.street_id,
            state.top_category_id,
        ),
    ]
