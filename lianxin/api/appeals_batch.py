"""`POST /api/v1/appeals:batch`: bulk intake for channel integrations (up to 500 appeals a call).

Same callers and scopes as `POST /appeals`. Each item is parsed and taken in on its own and gets
its own answer, in order: 201 created, 200 replayed (its `idempotency_key` was seen with the same
body), or the 4xx error of that item alone. Only a malformed envelope (not a list, empty, more than
500 items) refuses the whole call.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import SkipValidation
from pydantic import ValidationError as PydanticValidationError

from lianxin.appeals.actors import Actor
from lianxin.appeals.batch import BATCH_MAX_ITEMS, BatchItem, appeals_submit_batch
from lianxin.core.errors import ValidationFailedError
from lianxin.core.ratelimit import check_rate, client_ip

from . import schemas as s
from .appeals import ERRORS, appeal_input
from .auth import PUBLIC_AUTH, caller
from .errors import item_error_body
from .presenters import is_staff

router = Router(tags=["appeals"])


class BatchItemIn(s.AppealSubmitIn):
    idempotency_key: str = Field(
        "",
        max_length=100,
        pattern=s.NO_NUL,
        description=(
            "Retry-safe key of this item (as the Idempotency-Key header of `POST /appeals`, same key space)."
        ),
    )
    attachments: list[s.AttachmentIn] = Field(
        default_factory=list,
        max_length=0,
        description="Not accepted in a batch: submit appeals with files one by one.",
    )


class BatchIn(s.StrictIn):
    # Items are validated one by one in the handler (a bad item is answered in its place), so the
    # envelope skips their validation; the OpenAPI document still shows their schema.
    items: list[SkipValidation[BatchItemIn]] = Field(
        ..., min_length=1, max_length=BATCH_MAX_ITEMS, description=f"1 to {BATCH_MAX_ITEMS} appeals."
    )


class BatchItemOut(Schema):
    index: int = Field(..., description="Position of the item in `items`, from 0.")
    status: int = Field(..., description="201 created, 200 replayed, or the 4xx of this item's error.")
    # an error's `field` is named within the item (`text`, `contact_phone`), its `index` says which item
    tracking_number: str | None = None
    created: bool | None = None
    appeal_status: str | None = None
    access_code: str | None = Field(
        None, description="Query code of an anonymous appeal without phone; keep it."
    )
    error: s.ErrorOut | None = None


class BatchOut(Schema):
    created: int
    replayed: int
    failed: int
    results: list[BatchItemOut]


def _parse(raw: Any, *, staff: bool) -> BatchItem:
    try:
        item = BatchItemIn.model_validate(raw)
    except PydanticValidationError as exc:
        body = item_error_body(exc.errors(include_url=False))
        return BatchItem(
            data=None, error=ValidationFailedError(str(body["message"]), field=body.get("field"))
        )
    try:
        return BatchItem(data=appeal_input(item, staff=staff), idempotency_key=item.idempotency_key)
    except ValidationFailedError as exc:
        return BatchItem(data=None, error=exc)


@router.post(
    "/appeals:batch",
    auth=PUBLIC_AUTH,
    response={200: BatchOut, **ERRORS},
    summary=f"Submit up to {BATCH_MAX_ITEMS} appeals, each answered on its own",
)
def submit_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """Bulk intake for channel integrations. Every item is taken in exactly like `POST /appeals`
    (classified, routed, deadlined, audited, acknowledged durably, each in its own transaction) and
    answered in `results` in order. Anonymous callers spend one unit of the per-address submission
    rate limit per item; items over the limit are answered 429."""
    user = caller(request)
    staff = is_staff(user)
    items = [_parse(raw, staff=staff) for raw in payload.items]

    def rate_limit() -> None:
        if user is None:
            check_rate(f"api-submit:{client_ip(request)}", settings.LIANXIN["ANON_SUBMIT_RATE"])

    outcomes = appeals_submit_batch(
        items=items,
        actor=Actor.staff(user) if staff and user is not None else Actor.resident(user),
        resident=None if staff else user,
        idempotency_scope=f"api:user:{user.pk}" if user is not None else "api:anonymous",
        before_each=rate_limit,
    )
    return {
        "created": sum(o.status == 201 for o in outcomes),
        "replayed": sum(o.status == 200 for o in outcomes),
        "failed": sum(o.status >= 400 for o in outcomes),
        "results": [o.__dict__ for o in outcomes],
    }
