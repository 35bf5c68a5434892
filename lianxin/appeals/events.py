"""Typed payloads of the appeal events (`AppealEvent.data`): one frozen class per `EventType`.

Writers build a payload (`Dispatched(suggested_unit=..., chosen_unit=..., followed_suggestion=...)`)
and hand it to `actions.base.record_event`, which takes the event type from `payload.TYPE` and
stores `payload.to_data()` in the JSON column. Readers (the KPI fold, the timelines, the
selectors) call `payload_of(event)` — or `parse_payload(type, data)` on a `values_list` row —
and read attributes, never keys. ADR 0008.

The stored JSON keeps the keys the dict literals wrote before the payloads existed, so old rows
parse without a data migration:
a missing key takes the field's default, an unknown key is ignored.

Adding an event type: add the `EventType` member, one payload class here (its fields with
defaults, `TYPE = EventType.X`; base `Transition` if `actions.base._transition` records it) and
its line in `PAYLOADS`. `tests/appeals/test_event_payloads.py` checks the registry covers
`EventType` exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from lianxin.core.payloads import Payload as Payload
from lianxin.core.payloads import PayloadRegistry
from lianxin.core.payloads import UnknownEventTypeError as UnknownEventTypeError  # re-exported

from .models import AppealEvent, EventType


@dataclass(frozen=True, kw_only=True)
class Transition(Payload):
    """A payload recorded by a transition (`actions.base._transition`), which adds what any
    transition may carry: who it was done through (`via`: "callback", "sms") and the extension
    requests and reply reviews that lapsed as the appeal left the accepted state."""

    OMIT_EMPTY: ClassVar[frozenset[str]] = frozenset({"via", "extension_lapsed", "reply_review_lapsed"})
    via: str = ""
    extension_lapsed: tuple[int, ...] = ()
    reply_review_lapsed: tuple[int, ...] = ()


# --- intake -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted(Payload):
    TYPE = EventType.SUBMITTED
    OMIT_EMPTY = frozenset({"imported"})
    channel: str = ""
    kind: str = ""
    imported: bool = False  # `lianxin appeals import`


@dataclass(frozen=True)
class Triaged(Payload):
    """The triage engine's suggestion as `triage_bridge.Suggestion.as_dict()` gives it: its own
    schema (category, unit, urgency, duplicates, ...), stored flat and kept as a mapping."""

    TYPE = EventType.TRIAGED
    suggestion: Mapping[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return dict(self.suggestion)

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Self:
        return cls(suggestion=dict(data or {}))


# --- dispatch and handling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatched(Transition):
    TYPE = EventType.DISPATCHED
    suggested_unit: int | None = None  # the dispatch catalogue's suggestion at the time
    chosen_unit: int | None = None
    followed_suggestion: bool = False


@dataclass(frozen=True)
class Redispatched(Transition):
    TYPE = EventType.REDISPATCHED
    previous_unit: int | None = None


@dataclass(frozen=True)
class Accepted(Transition):
    TYPE = EventType.ACCEPTED
    late: bool = False


@dataclass(frozen=True)
class Returned(Transition):
    TYPE = EventType.RETURNED
    returned_by_unit: int | None = None
    category: int | None = None  # the classification it was returned under (routing history)
    area: int | None = None


@dataclass(frozen=True)
class CoHandlerAdded(Payload):
    TYPE = EventType.CO_HANDLER_ADDED


@dataclass(frozen=True)
class CoHandlerReplied(Payload):
    TYPE = EventType.CO_HANDLER_REPLIED


@dataclass(frozen=True)
class ExtensionRequested(Payload):
    TYPE = EventType.EXTENSION_REQUESTED
    working_days: int = 0
    request: int | None = None  # the ExtensionRequest


@dataclass(frozen=True)
class ExtensionRefused(Payload):
    TYPE = EventType.EXTENSION_REFUSED
    request: int | None = None
    working_days: int = 0


@dataclass(frozen=True)
class ExtensionApproved(Payload):
    """`old_due` / `new_due` only when the appeal had a resolve deadline to move."""

    TYPE = EventType.EXTENSION_APPROVED
    OMIT_EMPTY = frozenset({"old_due", "new_due"})
    request: int | None = None
    working_days: int = 0
    old_due: dt.datetime | None = None
    new_due: dt.datetime | None = None


@dataclass(frozen=True)
class ReplyQuality(Payload):
    """The triage engine's score of a reply (`actions.quality.reply_quality_data`); not an event."""

    overall: float = 0.0
    relevance: float = 0.0
    completeness: float = 0.0
    timeliness: float | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Replied(Transition):
    """`review` / `reviewed_by` when the reply was published by a reviewer (答复审核)."""

    TYPE = EventType.REPLIED
    OMIT_EMPTY = Transition.OMIT_EMPTY | {"review", "reviewed_by", "result"}
    late: bool = False
    result: str = ""  # models.ReplyResult, as the unit recorded it (older replies: "")
    reply_quality: ReplyQuality | None = None  # None when scoring failed
    review: int | None = None
    reviewed_by: str = ""


@dataclass(frozen=True)
class AnsweredDirectly(Transition):
    TYPE = EventType.ANSWERED_DIRECTLY


@dataclass(frozen=True)
class Rated(Transition):
    """`merged` / `survivor`: a merged appeal's resident rating the surviving appeal's reply."""

    TYPE = EventType.RATED
    OMIT_EMPTY = Transition.OMIT_EMPTY | {"merged", "survivor"}
    satisfaction: str = ""
    solved: bool | None = None
    merged: bool = False
    survivor: str = ""  # its tracking number


@dataclass(frozen=True)
class Closed(Transition):
    """Closed without a rating: by the sweep (`auto_closed`) or after unanswered call-backs."""

    TYPE = EventType.CLOSED
    OMIT_EMPTY = Transition.OMIT_EMPTY | {"auto_closed", "callback_unreachable", "attempts"}
    auto_closed: bool = False
    callback_unreachable: bool = False
    attempts: int = 0


@dataclass(frozen=True)
class Reopened(Transition):
    TYPE = EventType.REOPENED
    previous_satisfaction: str = ""
    previous_solved: bool | None = None


@dataclass(frozen=True)
class Merged(Transition):
    TYPE = EventType.MERGED
    into: str = ""  # the surviving appeal's tracking number


@dataclass(frozen=True)
class Withdrawn(Transition):
    TYPE = EventType.WITHDRAWN


@dataclass(frozen=True)
class Reclassified(Transition):
    """改分类: the classification before and after (id, code, name of each). `rerouted` (not stored
    itself) says whether the dispatch suggestion was recomputed — then, and only then, the keys
    `from_suggested_unit` / `to_suggested_unit` are written, either of which may be null."""

    TYPE = EventType.RECLASSIFIED
    from_category: int | None = None
    from_category_code: str | None = None
    from_category_name: str | None = None
    to_category: int | None = None
    to_category_code: str | None = None
    to_category_name: str | None = None
    from_area: int | None = None
    from_area_code: str | None = None
    from_area_name: str | None = None
    to_area: int | None = None
    to_area_code: str | None = None
    to_area_name: str | None = None
    rerouted: bool = False
    from_suggested_unit: int | None = None
    to_suggested_unit: int | None = None

    def to_data(self) -> dict[str, Any]:
        out = super().to_data()
        del out["rerouted"]
        if not self.rerouted:
            del out["from_suggested_unit"], out["to_suggested_unit"]
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Self:
        parsed = super().from_data(data)
        rerouted = data is not None and ("from_suggested_unit" in data or "to_suggested_unit" in data)
        return dataclasses.replace(parsed, rerouted=rerouted)


# --- the sweep's flags ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFlag(Payload):
    """The resolve deadline when the sweep raised the flag (None: the appeal had none)."""

    resolve_due_at: dt.datetime | None = None


@dataclass(frozen=True)
class DueSoon(DeadlineFlag):
    TYPE = EventType.DUE_SOON


@dataclass(frozen=True)
class Overdue(DeadlineFlag):
    TYPE = EventType.OVERDUE


@dataclass(frozen=True)
class AcceptOverdue(DeadlineFlag):
    TYPE = EventType.ACCEPT_OVERDUE


# --- reply review (答复审核) ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplySubmitted(Payload):
    TYPE = EventType.REPLY_SUBMITTED
    OMIT_EMPTY = frozenset({"result"})
    review: int | None = None
    result: str = ""  # models.ReplyResult
    reviewer: str = ""  # ReviewerKind
    late: bool = False
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReplyApproved(Payload):
    TYPE = EventType.REPLY_APPROVED
    review: int | None = None
    review_seconds: int = 0


@dataclass(frozen=True)
class ReplyRejected(Transition):
    TYPE = EventType.REPLY_REJECTED
    review: int | None = None
    review_seconds: int = 0


# --- accountability, call-backs, chasing ----------------------------------------------------------


@dataclass(frozen=True)
class ResidentContacted(Payload):
    TYPE = EventType.RESIDENT_CONTACTED
    method: str = ""  # actions.accountability.CONTACT_METHODS


@dataclass(frozen=True)
class ReturnJudged(Payload):
    TYPE = EventType.RETURN_JUDGED
    return_event: int | None = None  # the `returned` event judged
    justified: bool = False
    returned_by: int | None = None  # the user who returned it


@dataclass(frozen=True)
class CallbackQueued(Payload):
    TYPE = EventType.CALLBACK_QUEUED


@dataclass(frozen=True)
class CallbackAttempted(Payload):
    TYPE = EventType.CALLBACK_ATTEMPTED
    OMIT_EMPTY = frozenset({"attempt"})
    outcome: str = ""  # "reached" or "no_answer"
    attempt: int = 0  # the unanswered call's number since the reply


@dataclass(frozen=True)
class Chased(Payload):
    TYPE = EventType.CHASED
    kind: str = ""  # "chase" (催办) or "supplement" (补充)


@dataclass(frozen=True)
class FollowUpChecked(Payload):
    """A follow-up check (回访抽查) that reached the resident: its answers feed the rates
    (docs/kpis.md, "Follow-up checks")."""

    TYPE = EventType.FOLLOW_UP_CHECKED
    follow_up: int | None = None
    really_solved: bool | None = None
    satisfied: bool | None = None


@dataclass(frozen=True)
class FieldRecorded(Payload):
    """A grid worker's work on the spot (现场记录, `actions.field`): what kind, and the photos."""

    TYPE = EventType.FIELD_RECORDED
    OMIT_EMPTY = frozenset({"attachments"})
    kind: str = ""  # actions.field.FIELD_KINDS: check, photo, note, report_back
    attachments: tuple[int, ...] = ()


# --- the registry ---------------------------------------------------------------------------------

PAYLOADS: dict[str, type[Payload]] = {
    EventType.SUBMITTED: Submitted,
    EventType.TRIAGED: Triaged,
    EventType.DISPATCHED: Dispatched,
    EventType.REDISPATCHED: Redispatched,
    EventType.ACCEPTED: Accepted,
    EventType.RETURNED: Returned,
    EventType.CO_HANDLER_ADDED: CoHandlerAdded,
    EventType.CO_HANDLER_REPLIED: CoHandlerReplied,
    EventType.EXTENSION_REQUESTED: ExtensionRequested,
    EventType.EXTENSION_APPROVED: ExtensionApproved,
    EventType.EXTENSION_REFUSED: ExtensionRefused,
    EventType.REPLIED: Replied,
    EventType.ANSWERED_DIRECTLY: AnsweredDirectly,
    EventType.RATED: Rated,
    EventType.CLOSED: Closed,
    EventType.REOPENED: Reopened,
    EventType.MERGED: Merged,
    EventType.WITHDRAWN: Withdrawn,
    EventType.RECLASSIFIED: Reclassified,
    EventType.DUE_SOON: DueSoon,
    EventType.OVERDUE: Overdue,
    EventType.ACCEPT_OVERDUE: AcceptOverdue,
    EventType.REPLY_SUBMITTED: ReplySubmitted,
    EventType.REPLY_APPROVED: ReplyApproved,
    EventType.REPLY_REJECTED: ReplyRejected,
    EventType.RESIDENT_CONTACTED: ResidentContacted,
    EventType.RETURN_JUDGED: ReturnJudged,
    EventType.CALLBACK_QUEUED: CallbackQueued,
    EventType.CALLBACK_ATTEMPTED: CallbackAttempted,
    EventType.CHASED: Chased,
    EventType.FOLLOW_UP_CHECKED: FollowUpChecked,
    EventType.FIELD_RECORDED: FieldRecorded,
}


REGISTRY = PayloadRegistry("appeal", PAYLOADS)


def parse_payload(event_type: str, data: Mapping[str, Any] | None) -> Payload:
    """The typed payload of a stored event: the one parse function every reader goes through."""
    return REGISTRY.parse(event_type, data)


def with_payloads(events: Iterable[AppealEvent]) -> list[AppealEvent]:
    """The events, each with its typed payload as `.payload`, for the timelines' templates
    (`{{ e.payload.to_area_name }}`): templates read fields, never `e.data`."""
    return REGISTRY.attach(events)


def payload_of(event: AppealEvent) -> Payload:
    """`parse_payload` of an event row, kept on the instance (a timeline reads it more than once)."""
    return REGISTRY.of(event)
