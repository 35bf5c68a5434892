"""The KPI figures of one period and slice, and the rates derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import COUNTERS

# --- figures ----------------------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class KpiFigures:
    """Counters for one slice and period, and the rates computed from them (fractions 0..1)."""

    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    false_closures: int = 0

    def __getattr__(self, name: str) -> int:
        counters: dict[str, int] = self.__dict__.get("counters", {})
        if name in counters:
            return counters[name]
        raise AttributeError(name)

    def add(self, other: dict[str, Any]) -> None:
        """Add a row of counters (other keys, e.g. the grouping columns, are ignored)."""
        counters = self.counters
        for name, value in other.items():
            if value and name in counters:
                counters[name] += int(value)

    @property
    def response_rate(self) -> float | None:
        """Assignments answered by a timely first contact, over every assignment not excused
        (never responding counts against the unit, docs/kpis.md)."""
        c = self.counters
        return _rate(c["responded_on_time"], max(0, c["assigned"] - c["response_excused"]))

    @property
    def accept_on_time_rate(self) -> float | None:
        return _rate(self.counters["accepted_on_time"], self.counters["accepted"])

    @property
    def unjustified_return_rate(self) -> float | None:
        return _rate(self.counters["returned_unjustified"], self.counters["assigned"])

    @property
    def auto_close_rate(self) -> float | None:
        return _rate(self.counters["auto_closed"], self.counters["closed"])

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.counters["solved"], self.counters["solved_known"])

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.counters["satisfied"] + self.counters["basic"], self.counters["rated"])

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.counters["replied_on_time"], self.counters["replied"])

    @property
    def return_rate(self) -> float | None:
        return _rate(self.counters["returned"], self.counters["assigned"])

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.counters["reopened"], self.counters["closed"])

    @property
    def avg_accept_hours(self) -> float | None:
        c = self.counters
        return c["accept_seconds"] / c["accepted"] / 3600 if c["accepted"] else None

    @property
    def avg_close_hours(self) -> float | None:
        c = self.counters
        return c["close_seconds"] / c["closed"] / 3600 if c["closed"] else None

    RATES = (
        "response_rate",
        "accept_on_time_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "return_rate",
        "unjustified_return_rate",
        "reopen_rate",
        "auto_close_rate",
        "avg_accept_hours",
        "avg_close_hours",
    )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.counters)
        data["false_closures"] = self.false_closures
        for name in self.RATES:
            data[name] = getattr(self, name)
        return data
