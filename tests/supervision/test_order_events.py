"""Supervision orders' typed event payloads (`supervision/events.py`, ADR 0008) and the rule that
an order's status changes only in `services._order_transition`."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.supervision import events, services
from lianxin.supervision.models import OrderEvent

from .test_orders_followups import create, warning  # noqa: F401  (the fixture)

PACKAGE = Path(__file__).resolve().parents[2] / "lianxin"


def test_a_whole_lifecycle_writes_typed_events_that_read_back(district, warning, client):  # noqa: F811
    order = create(district, warning)
    services.order_escalate(order=order, now=timezone.now() + dt.timedelta(days=30))
    services.order_respond(order=order, actor=Actor.staff(district.handler_city), text="已修复路灯")
    services.order_close(order=order, actor=Actor.staff(district.supervisor), note="")
    rows = list(OrderEvent.objects.filter(order=order).order_by("pk"))
    assert [r.type for r in rows] == ["created", "escalated", "responded", "closed"]
    created, escalated = (events.order_payload_of(r) for r in rows[:2])
    assert created == events.OrderCreated(warning=warning.pk, appeal=warning.appeal_id)
    assert isinstance(escalated, events.OrderEscalated)
    order.refresh_from_db()
    assert escalated.due_at == order.due_at
    for row in rows:  # the same JSON the dict literals wrote: `to_data` of the parse is what is stored
        assert events.order_payload_of(row).to_data() == row.data
    assert rows[1].data == {"due_at": order.due_at.isoformat()}
    client.force_login(district.supervisor)
    page = client.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert f"反馈时限 {timezone.localtime(order.due_at):%Y-%m-%d %H:%M} 已过" in page


def test_order_status_is_assigned_only_in_the_transition_function():
    """Any `<something order>.status = ...` in the package must sit in `_order_transition`."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for node in ast.walk(func):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in targets:
                    for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                        if (
                            isinstance(t, ast.Attribute)
                            and t.attr == "status"
                            and isinstance(t.value, ast.Name)
                            and "order" in t.value.id
                            and func.name != "_order_transition"
                        ):
                            offenders.append(
                                f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)} in {func.name}"
                            )
    assert offenders == []
