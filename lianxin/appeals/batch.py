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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _

from lianxin.core.errors import ConflictError, DomainError, ValidationFailedError
from lianxin.org.locating import refine_area
from lianxin.org.models import User

from . import triage_bridge
from .actors import Actor
from .creation import NewAppeal, SubmitResult, appeals_create
from .intake import (
    AppealInput,
    Lookups,
    appeal_submit,
    key_scope,
    replay_result,
    validate,
)
from .models import IdempotencyRecord

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
        raise ValidationFailedError(
            _("一次最多提交 {max} 条诉求，当前 {count} 条；请分成多批提交。").format(
                max=BATCH_MAX_ITEMS, count=len(items)
            ),
            field="items",
        )
    outcomes: dict[int, BatchOutcome] = {}
    pending = _checked(
        items, actor=actor, idempotency_scope=idempotency_scope, before_each=before_each, outcomes=outcomes
    )
    fresh = [p for p in pending if p.same_as is None]
    if fresh:
        try:
            results: list[SubmitResult | BatchOutcome] = list(
                _create_all(fresh, actor=actor, resident=resident)
            )
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
            outcomes[p.index] = (
                replace(earlier, index=p.index)
                if earlier.status >= 400
                else replace(earlier, index=p.index, status=200, created=False)
            )
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
        return appeal_submit(
            data=p.data, actor=actor, resident=resident, idempotency_key=p.key, idempotency_scope=p.scope
        )
    except DomainError as exc:
        return _refused(p.index, exc)


def _checked(
    items: list[BatchItem],
    *,
    actor: Actor,
    idempotency_scope: str,
    before_each: Callable[[], None] | None,
    outcomes: dict[int, BatchOutcome],
) -> list[_Pending]:
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
                raise ValidationFailedError(_("Idempotency-Key 最长 100 个字符。"), field="Idempotency-Key")
            fingerprint = item.data.fingerprint()
            pending.append(
                _Pending(index, item.data, key, key_scope(idempotency_scope, actor, fingerprint), fingerprint)
            )
        except DomainError as exc:
            outcomes[index] = _refused(index, exc)
    keyed = [p for p in pending if p.key]
    records = (
        {
            (r.scope, r.key): r
            for r in IdempotencyRecord.objects.select_related("appeal").filter(key__in={p.key for p in keyed})
        }
        if keyed
        else {}
    )
    lookups = Lookups([p.data for p in pending])
    kept: list[_Pending] = []
    first_of_key: dict[tuple[str, str], int] = {}
    for p in pending:
        try:
            if p.key:
                record = records.get((p.scope, p.key))
                if record is not None:
                    outcomes[p.index] = _answer(
                        p.index, replay_result(record, scope=p.scope, key=p.key, fingerprint=p.fingerprint)
                    )
                    continue
                earlier = first_of_key.get((p.scope, p.key))
                if earlier is not None:
                    if kept[earlier].fingerprint != p.fingerprint:
                        raise ConflictError(
                            _(
                                "这个 Idempotency-Key 已用于另一份不同的诉求；重试时请发送完全相同的内容，"
                                "新诉求请用新的 Key。"
                            )
                        )
                    p.same_as = earlier
                    kept.append(p)
                    continue
            p.cleaned = validate(p.data, lookups=lookups)
            # the grid from the coordinates (point-in-polygon) or the address (gazetteer): docs/geo.md
            p.cleaned["area"] = refine_area(
                p.cleaned["area"],
                latitude=p.cleaned["latitude"],
                longitude=p.cleaned["longitude"],
                address=p.cleaned["address"],
            )
        except DomainError as exc:
            outcomes[p.index] = _refused(p.index, exc)
            continue
        if p.key:
            first_of_key[(p.scope, p.key)] = len(kept)
        kept.append(p)
    return kept  # `same_as` points into this list


def _create_all(fresh: list[_Pending], *, actor: Actor, resident: User | None) -> list[SubmitResult]:
    suggestions = triage_bridge.suggest_many(
        [
            triage_bridge.SuggestInput(
                f"{p.cleaned['title']} {p.cleaned['text']}",
                p.cleaned["category"],
                p.cleaned["area"],
                p.cleaned["contact_phone"],
            )
            for p in fresh
        ]
    )
    return appeals_create(
        items=[
            NewAppeal(
                data=p.data,
                cleaned=p.cleaned,
                suggestion=suggestion,
                key=p.key,
                scope=p.scope,
                fingerprint=p.fingerprint,
            )
            for p, suggestion in zip(fresh, suggestions, strict=True)
        ],
        actor=actor,
        resident=resident,
    )
