"""Bulk intake for channel integrations: many appeals in one call, each answered on its own.

Every item keeps every rule of a single submission (`intake.appeal_submit`): validated on its own
(a bad item is answered with its error in its place and stops nothing else), idempotent per item
(its key in the same key space as `POST /appeals`), classified, routed, checked for duplicates
(among recent appeals and the batch's earlier items), auto-dispatched with its deadlines, every
event on its timeline and in the audit chain, notifications and SMS after commit. What a batch does
once instead of once per item: categories and areas read, the classifier run over all texts, each
routing and deadline policy looked up, the duplicate index refreshed, tracking numbers reserved,
and appeals, events, audit entries (one extension of the chain) and idempotency records written
with one INSERT each, in one transaction: the batch's accepted items are durable when it answers.

If that transaction fails (e.g. a concurrent request took one of the batch's keys), the items not
yet answered are taken in one by one through `appeal_submit` instead, so the answer stays per item.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, AuditRecord, audit_append_many
from lianxin.core.errors import Conflict, DomainError, ValidationFailed
from lianxin.core.ops.metrics import APPEALS_SUBMITTED
from lianxin.notifications.services import Notice, notify_many
from lianxin.org.locating import refine_area
from lianxin.org.models import Unit, User

from . import deadlines, hooks, triage_bridge
from . import events as ev
from .actions.recipients import _staff_link, _unit_staff_ids
from .actors import Actor
from .duplicates import BATCH_PLACEHOLDER
from .intake import (
    AppealInput,
    Lookups,
    SubmitResult,
    appeal_submit,
    build_appeal,
    key_scope,
    replay_result,
    reserve_tracking_numbers,
    should_auto_dispatch,
    validate,
)
from .models import Appeal, AppealEvent, IdempotencyRecord, Status
from .policy import Action, ensure_allowed
from .sms import sms_on_submitted_many

logger = logging.getLogger(__name__)

BATCH_MAX_ITEMS = 500


@dataclass
class BatchItem:
    """One parsed item, or the error its parsing raised (reported in the item's place)."""

    data: AppealInput | None
    idempotency_key: str = ""
    error: DomainError | None = None


@dataclass
class BatchOutcome:
    index: int
    status: int  # 201 created, 200 replayed (same key, same body), 4xx refused
    tracking_number: str | None = None
    created: bool | None = None
    appeal_status: str | None = None
    access_code: str | None = None
    error: dict[str, object] | None = None


@dataclass
class _Pending:
    """An item that passed its checks and is to be created."""

    index: int
    data: AppealInput
    key: str
    scope: str
    fingerprint: str
    cleaned: dict[str, Any] = field(default_factory=dict)
    same_as: int | None = None  # the position (in `pending`) of an earlier item with the same key and body


def appeals_submit_batch(
    *,
    items: list[BatchItem],
    actor: Actor,
    resident: User | None = None,
    idempotency_scope: str = "",
    before_each: Callable[[], None] | None = None,
) -> list[BatchOutcome]:
    """Take in the items and answer for each one, in order. `before_each` (e.g. a rate-limit check)
    runs once per item before anything else and may raise a DomainError, which refuses that item only."""
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationFailed(
            _("一次最多提交 {max} 条诉求，当前 {count} 条；请分成多批提交。").format(
                max=BATCH_MAX_ITEMS, count=len(items)
            ),
            field="items",
        )
    outcomes: dict[int, BatchOutcome] = {}
    pending = _checked(items, actor=actor, idempotency_scope=idempotency_scope, before_each=before_each,
                       outcomes=outcomes)
    # items with files are saved one by one (the API takes none in a batch; other callers may)
    for p in pending:
        if p.same_as is None and p.data.attachments:
            result = _single(p, actor=actor, resident=resident)
            outcomes[p.index] = result if isinstance(result, BatchOutcome) else _answer(p.index, result)
    fresh = [p for p in pending if p.same_as is None and not p.data.attachments]
    if fresh:
        try:
            results: list[SubmitResult | BatchOutcome] = list(_create_all(fresh, actor=actor, resident=resident))
        except IntegrityError:
            # A key taken meanwhile by another request (or any other conflict): each item on its own.
            logger.info("Bulk intake fell back to one transaction per item")
            results = [_single(p, actor=actor, resident=resident) for p in fresh]
        for p, result in zip(fresh, results, strict=True):
            outcomes[p.index] = result if isinstance(result, BatchOutcome) else _answer(p.index, result)
    for p in pending:
        if p.same_as is not None:  # a repeat of an earlier item of this batch: its replay
            first = pending[p.same_as]
            earlier = outcomes[first.index]
            outcomes[p.index] = (replace(earlier, index=p.index) if earlier.status >= 400 else
                                 replace(earlier, index=p.index, status=200, created=False))
    return [outcomes[i] for i in range(len(items))]


def _answer(index: int, result: SubmitResult) -> BatchOutcome:
    return BatchOutcome(
        index=index,
        status=201 if result.created else 200,
        tracking_number=result.appeal.tracking_number,
        created=result.created,
        appeal_status=str(result.appeal.status),
        access_code=result.access_code,
    )


def _refused(index: int, exc: DomainError) -> BatchOutcome:
    return BatchOutcome(index=index, status=exc.status_code, error=exc.as_dict())


def _single(p: _Pending, *, actor: Actor, resident: User | None) -> SubmitResult | BatchOutcome:
    try:
        return appeal_submit(data=p.data, actor=actor, resident=resident, idempotency_key=p.key,
                             idempotency_scope=p.scope)
    except DomainError as exc:
        return _refused(p.index, exc)


def _checked(items: list[BatchItem], *, actor: Actor, idempotency_scope: str,
             before_each: Callable[[], None] | None, outcomes: dict[int, BatchOutcome]) -> list[_Pending]:
    """Answer what can be answered without writing (errors, replays) and return the rest in order."""
    pending: list[_Pending] = []
    for index, item in enumerate(items):
        try:
            if item.error is not None:
                raise item.error
            assert item.data is not None
            if before_each is not None:
                before_each()
            key = (item.idempotency_key or "").strip()
            if len(key) > 100:
                raise ValidationFailed(_("Idempotency-Key 最长 100 个字符。"), field="Idempotency-Key")
            fingerprint = item.data.fingerprint()
            pending.append(_Pending(index, item.data, key, key_scope(idempotency_scope, actor, fingerprint),
                                    fingerprint))
        except DomainError as exc:
            outcomes[index] = _refused(index, exc)
    keyed = [p for p in pending if p.key]
    records = {
        (r.scope, r.key): r
        for r in IdempotencyRecord.objects.select_related("appeal").filter(key__in={p.key for p in keyed})
    } if keyed else {}
    lookups = Lookups([p.data for p in pending])
    kept: list[_Pending] = []
    first_of_key: dict[tuple[str, str], int] = {}
    for p in pending:
        try:
            if p.key:
                record = records.get((p.scope, p.key))
                if record is not None:
                    outcomes[p.index] = _answer(p.index, replay_result(record, scope=p.scope, key=p.key,
                                                                       fingerprint=p.fingerprint))
                    continue
                earlier = first_of_key.get((p.scope, p.key))
                if earlier is not None:
                    if kept[earlier].fingerprint != p.fingerprint:
                        raise Conflict(_("这个 Idempotency-Key 已用于另一份不同的诉求；重试时请发送完全相同的内容，"
                                         "新诉求请用新的 Key。"))
                    p.same_as = earlier
                    kept.append(p)
                    continue
            p.cleaned = validate(p.data, lookups=lookups)
            # the grid from the coordinates (point-in-polygon) or the address (gazetteer): docs/geo.md
            p.cleaned["area"] = refine_area(p.cleaned["area"], latitude=p.cleaned["latitude"],
                                            longitude=p.cleaned["longitude"], address=p.cleaned["address"])
        except DomainError as exc:
            outcomes[p.index] = _refused(p.index, exc)
            continue
        if p.key:
            first_of_key[(p.scope, p.key)] = len(kept)
        kept.append(p)
    return kept  # `same_as` points into this list


def _create_all(fresh: list[_Pending], *, actor: Actor, resident: User | None) -> list[SubmitResult]:
    suggestions = triage_bridge.suggest_many([
        triage_bridge.SuggestInput(f"{p.cleaned['title']} {p.cleaned['text']}", p.cleaned["category"],
                                   p.cleaned["area"], p.cleaned["contact_phone"])
        for p in fresh
    ])
    now = timezone.now()
    dispatcher = Actor.automatic(_("自动派单"))
    triage_actor = Actor.automatic(_("智能分析"))
    dispatch_note = _("派单目录唯一匹配，自动派单")
    policies: dict[tuple[int | None, str], deadlines.Deadlines] = {}
    with transaction.atomic():
        numbers = reserve_tracking_numbers(timezone.localtime(now).date(), len(fresh))
        appeals: list[Appeal] = []
        codes: list[str | None] = []
        dispatched_to: list[Unit | None] = []
        for p, suggestion, number in zip(fresh, suggestions, numbers, strict=True):
            _name_batch_duplicates(suggestion, numbers)
            appeal, code = build_appeal(p.data, p.cleaned, suggestion, resident, tracking_number=number, now=now,
                                        code_seed=f"{p.scope}\n{p.key}\n{p.fingerprint}" if p.key else "")
            unit = None
            if should_auto_dispatch(appeal, suggestion, category_given=p.cleaned["category"] is not None):
                assert suggestion.unit is not None
                ensure_allowed(dispatcher, appeal, Action.DISPATCH)
                unit = suggestion.unit
                key = (appeal.category_id, str(appeal.urgency))
                if key not in policies:
                    policies[key] = deadlines.compute_deadlines(now, appeal.category, str(appeal.urgency))
                due = policies[key]
                appeal.unit = unit
                appeal.dispatched_at = now
                appeal.accept_due_at, appeal.resolve_due_at = due.accept_due_at, due.resolve_due_at
                appeal.due_soon = appeal.accept_overdue = False
                appeal.status = Status.DISPATCHED  # the target of policy.TRANSITIONS[Action.DISPATCH]
            appeals.append(appeal)
            codes.append(code)
            dispatched_to.append(unit)
        Appeal.objects.bulk_create(appeals, batch_size=500)
        events: list[AppealEvent] = []
        for appeal, suggestion, unit in zip(appeals, suggestions, dispatched_to, strict=True):
            events.append(_event(appeal, ev.Submitted(channel=appeal.channel, kind=appeal.kind), actor, now,
                                 to_status=Status.SUBMITTED))
            events.append(_event(appeal, ev.Triaged(suggestion=suggestion.as_dict()), triage_actor, now,
                                 from_status=Status.SUBMITTED, to_status=Status.SUBMITTED, public=False))
            if unit is not None:
                events.append(_event(appeal, ev.Dispatched(
                    suggested_unit=appeal.suggested_unit_id, chosen_unit=unit.pk,
                    followed_suggestion=appeal.suggested_unit_id == unit.pk), dispatcher, now,
                    from_status=Status.SUBMITTED, to_status=str(appeal.status), note=dispatch_note, unit=unit))
        AppealEvent.objects.bulk_create(events, batch_size=1000)
        audit_append_many([
            AuditRecord(action=AuditAction.STATE_CHANGE, object_type="appeal", object_id=e.appeal.tracking_number,
                        actor=e.actor, actor_label=e.actor_label,
                        data={"event": e.type, "from": e.from_status, "to": e.to_status,
                              "unit": e.unit.code if e.unit else None})
            for e in events
        ])
        hooks.events_recorded(events)  # e.g. the webhooks of lianxin.integrations
        IdempotencyRecord.objects.bulk_create([
            IdempotencyRecord(key=p.key, scope=p.scope, request_hash=p.fingerprint, appeal=appeal)
            for p, appeal in zip(fresh, appeals, strict=True) if p.key
        ])
        _after_commit(appeals, dispatched_to)
    return [SubmitResult(appeal=a, created=True, access_code=c) for a, c in zip(appeals, codes, strict=True)]


def _event(appeal: Appeal, payload: ev.Payload, actor: Actor, at: Any, *, from_status: str = "", to_status: str = "",
           note: str = "", unit: Unit | None = None, public: bool = True) -> AppealEvent:
    """An event row as `record_event` would write it: type and data from the typed payload (ADR 0008)."""
    return AppealEvent(appeal=appeal, type=payload.TYPE, at=at, actor=actor.user, actor_label=actor.label, unit=unit,
                       from_status=from_status, to_status=to_status, note=note, data=payload.to_data(), public=public)


def _name_batch_duplicates(suggestion: triage_bridge.Suggestion, numbers: list[str]) -> None:
    """Put the tracking numbers of the batch's earlier items in place of their placeholders (in the
    duplicate hints and in the "duplicates" reason)."""
    if not any(str(d["tracking_number"]).startswith(BATCH_PLACEHOLDER) for d in suggestion.duplicates):
        return

    def name(match: re.Match[str]) -> str:
        return numbers[int(match.group(1))]

    for hint in suggestion.duplicates:
        hint["tracking_number"] = _PLACEHOLDER.sub(name, str(hint["tracking_number"]))
    for reason in suggestion.reasons:
        if reason.get("code") == "duplicates":
            reason["tracking_numbers"] = [_PLACEHOLDER.sub(name, str(n)) for n in reason.get("tracking_numbers", [])]


_PLACEHOLDER = re.compile(re.escape(BATCH_PLACEHOLDER) + r"(\d+)#")


def _after_commit(appeals: list[Appeal], dispatched_to: list[Unit | None]) -> None:
    """The counters, the SMS with the tracking number, the units' notices of new dispatches."""
    channels = Counter(str(a.channel) for a in appeals)

    def count() -> None:
        for channel, n in channels.items():
            APPEALS_SUBMITTED.labels(channel).inc(n)

    transaction.on_commit(count)
    ids = [a.pk for a in appeals]
    transaction.on_commit(lambda: sms_on_submitted_many(ids))
    staff: dict[int, list[int]] = {}
    notices = []
    for appeal, unit in zip(appeals, dispatched_to, strict=True):
        if unit is None:
            continue
        if unit.pk not in staff:
            staff[unit.pk] = _unit_staff_ids(unit)
        notices.append(Notice(user_ids=staff[unit.pk], title=_("新派单：{tracking_number}").format(
            tracking_number=appeal.tracking_number), body=appeal.title, link=_staff_link(appeal), kind="dispatched"))
    notify_many(notices)
