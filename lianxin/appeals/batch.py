"""Bulk intake for channel integrations: many appeals in one call, each taken in on its own.

Every item goes through `intake.appeal_submit` exactly as a single submission does (validation,
triage, tracking number, auto-dispatch with deadlines, events, audit entries, notifications after
commit), each in its own transaction: one bad item never stops or undoes the others, and every
item gets its own answer (created, replayed, or the error that says what to fix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lianxin.core.errors import DomainError, ValidationFailed
from lianxin.org.models import User

from .actors import Actor
from .intake import AppealInput, appeal_submit

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


def appeals_submit_batch(
    *,
    items: list[BatchItem],
    actor: Actor,
    resident: User | None = None,
    idempotency_scope: str = "",
    before_each: Callable[[], None] | None = None,
) -> list[BatchOutcome]:
    """Take in each item in order and answer for each one. `before_each` (e.g. a rate-limit check)
    may raise a DomainError, which refuses that item only."""
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationFailed(
            _("一次最多提交 {max} 条诉求，当前 {count} 条；请分成多批提交。").format(
                max=BATCH_MAX_ITEMS, count=len(items)
            ),
            field="items",
        )
    # One transaction per item (inside appeal_submit). Committing 50 items together saved nothing
    # measurable (docs/benchmarks.md) and held the tracking counter and the chain's lock longer.
    return [
        _one(index, item, actor=actor, resident=resident, idempotency_scope=idempotency_scope,
             before_each=before_each)
        for index, item in enumerate(items)
    ]


def _one(index: int, item: BatchItem, *, actor: Actor, resident: User | None, idempotency_scope: str,
         before_each: Callable[[], None] | None) -> BatchOutcome:
    try:
        if item.error is not None:
            raise item.error
        assert item.data is not None
        if before_each is not None:
            before_each()
        result = appeal_submit(
            data=item.data,
            actor=actor,
            resident=resident,
            idempotency_key=item.idempotency_key,
            idempotency_scope=idempotency_scope,
        )
    except DomainError as exc:
        return BatchOutcome(index=index, status=exc.status_code, error=exc.as_dict())
    return BatchOutcome(
        index=index,
        status=201 if result.created else 200,
        tracking_number=result.appeal.tracking_number,
        created=result.created,
        appeal_status=str(result.appeal.status),
        access_code=result.access_code,
    )
