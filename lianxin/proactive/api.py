"""`/api/v1/proactive/...`: the tasks the caller may see, one task with its before/after counts,
and the owner's outcome. Handlers parse, authorise through the selectors and policy, call services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path, Query

from lianxin.api.auth import STAFF_AUTH, caller
from lianxin.api.schemas import NO_NUL, ErrorOut
from lianxin.org.models import User

from . import selectors, services
from .models import ProactiveTask

router = Router(tags=["proactive"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), ErrorOut)
TaskId = Path(..., ge=1, le=2**53, description="Task id.")


class TaskOut(Schema):
    id: int
    kind: str
    status: str
    title: str
    reason: str
    category: str | None
    area: str | None
    owner_unit: str | None
    owner_grid: str | None
    deadline: dt.date | None
    outcome: str


class TaskDetailOut(TaskOut):
    evidence: list[str]  # tracking numbers
    before: int
    after: int
    after_days: int


class OutcomeIn(Schema):
    outcome: str = Field(
        ..., max_length=services.MAX_OUTCOME, pattern=NO_NUL
    )  # empty: refused by the service, after authorisation


def _user(request: HttpRequest) -> User:
    user = caller(request)
    assert user is not None  # STAFF_AUTH
    return user


def _out(t: ProactiveTask) -> dict[str, Any]:
    return {
        "id": t.pk,
        "kind": t.kind,
        "status": t.status,
        "title": t.title,
        "reason": t.reason,
        "category": t.category.code if t.category else None,
        "area": t.area.code if t.area else None,
        "owner_unit": t.owner_unit.code if t.owner_unit else None,
        "owner_grid": t.owner_grid.code if t.owner_grid else None,
        "deadline": t.deadline,
        "outcome": t.outcome,
    }


@router.get(
    "/proactive/tasks",
    auth=STAFF_AUTH,
    response={200: list[TaskOut], **ERRORS},
    summary=(
        "Proactive tasks the caller may see (accepted ones; `proposals=true`: those the caller may decide)"
    ),
)
def proactive_tasks(
    request: HttpRequest,
    proposals: bool = Query(False),
    status: str = Query("", max_length=12, pattern=r"^(|open|done|dismissed)$"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[dict[str, Any]]:
    qs = selectors.tasks_for(_user(request), proposals=proposals)
    if status and not proposals:
        qs = qs.filter(status=status)
    return [_out(t) for t in qs[offset : offset + limit]]


@router.get(
    "/proactive/tasks/{pk}",
    auth=STAFF_AUTH,
    response={200: TaskDetailOut, **ERRORS},
    summary="One task: evidence and the before/after counts of matching appeals",
)
def proactive_task(request: HttpRequest, pk: int = TaskId) -> dict[str, Any]:
    t = selectors.task_for(_user(request), pk)
    counts = selectors.before_after(t)
    return {
        **_out(t),
        "evidence": [a.tracking_number for a in selectors.evidence_of(t)],
        "before": counts.before,
        "after": counts.after,
        "after_days": counts.after_days,
    }


@router.post(
    "/proactive/tasks/{pk}/outcome",
    auth=STAFF_AUTH,
    response={200: TaskOut, **ERRORS},
    summary="The owner (or a supervisor) records the outcome of an open task",
)
def proactive_task_outcome(request: HttpRequest, body: OutcomeIn, pk: int = TaskId) -> dict[str, Any]:
    user = _user(request)
    t = selectors.task_for(user, pk)  # 404 before 403: absent and not-yours alike
    return _out(services.task_record_outcome(task=t, actor=user, outcome=body.outcome))
