"""The steps of a generated appeal history (`history.HistoryGenerator`): one event (`Ev`, holding
its typed payload, `appeals/events.py`) and the appeal being walked (`State`: a transition, the
deadline sweep's flags)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lianxin.appeals import events as ev_types
from lianxin.appeals.events import Payload
from lianxin.appeals.models import Status

from .district import StaffInfo

SWEEP_LAG = dt.timedelta(minutes=5)  # the sweep runs every few minutes
SYSTEM_SWEEP = "时限监控"


@dataclass
class Ev:
    """One event as `record_event` would write it: its typed payload (`appeals/events.py`, the one
    source of every event's JSON) gives the type and the `data`."""

    payload: Payload
    at: dt.datetime
    actor: StaffInfo | None
    actor_label: str
    unit_id: int | None = None
    from_status: str = ""
    to_status: str = ""
    note: str = ""
    public: bool = True

    @property
    def type(self) -> str:
        return self.payload.TYPE

    @property
    def data(self) -> dict[str, Any]:
        return self.payload.to_data()


@dataclass
class State:
    """One appeal being walked through its lifecycle: its row and the events so far."""

    row: dict[str, Any]
    events: list[Ev]
    now: dt.datetime
    co_units: set[int] = field(default_factory=set)  # a unit helps (协办) an appeal at most once

    @property
    def last(self) -> dt.datetime:
        return self.events[-1].at if self.events else self.row["submitted_at"]

    def add(self, ev: Ev) -> None:
        self.events.append(ev)

    def transition(
        self,
        payload: Payload,
        at: dt.datetime,
        actor: StaffInfo | None,
        label: str,
        to_status: str,
        *,
        note: str = "",
        unit_id: int | None = None,
        changes: dict[str, Any] | None = None,
        with_unit: bool = True,
    ) -> bool:
        """Apply one step if it happens before now; False (and the deadline flags at now) otherwise."""
        at = max(at, self.last + dt.timedelta(seconds=1))
        if at > self.now:
            self.flags_at_now()
            return False
        from_status = self.row["status"]
        for key, value in (changes or {}).items():
            self.row[key] = value
        self.row["status"] = to_status
        self.events.append(
            Ev(payload, at, actor, label, unit_id if with_unit else None, from_status, to_status, note)
        )
        return True

    def flag(self, attr: str, flag: type[ev_types.DeadlineFlag], at: dt.datetime, unit: int) -> None:
        """The sweep's flag (`attr` on the row) as its event, carrying the resolve deadline."""
        if self.row[attr]:
            return
        at = max(at, self.last + dt.timedelta(seconds=1))
        self.row[attr] = True
        status = self.row["status"]
        self.events.append(
            Ev(
                flag(resolve_due_at=self.row["resolve_due_at"]),
                at,
                None,
                SYSTEM_SWEEP,
                unit,
                status,
                status,
                public=False,
            )
        )

    def flags_at_now(self) -> None:
        """What the deadline sweep would have flagged by now on an appeal still being handled."""
        row = self.row
        if row["status"] not in (Status.DISPATCHED, Status.ACCEPTED) or row["unit_id"] is None:
            return
        unit = row["unit_id"]
        if (
            row["status"] == Status.DISPATCHED
            and row["accept_due_at"] is not None
            and row["accept_due_at"] + SWEEP_LAG < self.now
        ):
            self.flag("accept_overdue", ev_types.AcceptOverdue, row["accept_due_at"] + SWEEP_LAG, unit)
        due = row["resolve_due_at"]
        if due is None:
            return
        if due + SWEEP_LAG < self.now:
            self.flag("overdue", ev_types.Overdue, due + SWEEP_LAG, unit)
        elif due - dt.timedelta(hours=24) < self.now and not row["overdue"]:
            self.flag("due_soon", ev_types.DueSoon, max(due - dt.timedelta(hours=24), self.last), unit)
