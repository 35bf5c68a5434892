"""The base of every app's typed event payloads (ADR 0008): a frozen dataclass per event type whose
`to_data()` is the JSON stored in the event row's `data` column and whose `from_data()` parses it
back leniently (a missing key takes the field's default, an unknown key is ignored, timestamps
parse naive → UTC). `PayloadRegistry` maps an app's event types to its classes and is the one
parse function its readers call. Plain Python: any app may build on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self, cast


def _parse_datetime(value: Any) -> dt.datetime | None:
    """An ISO timestamp as stored; a naive one is taken as UTC; anything unreadable is None."""
    if isinstance(value, dt.datetime):
        return value
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, Payload):
        return value.to_data()
    return value


@dataclass(frozen=True)
class Payload:
    """Base of every payload. `OMIT_EMPTY` names the fields written only when they differ from
    their default (keys the old dict literals added only sometimes)."""

    TYPE: ClassVar[str] = ""
    OMIT_EMPTY: ClassVar[frozenset[str]] = frozenset()

    def to_data(self) -> dict[str, Any]:
        """The JSON dict stored in `AppealEvent.data` (ids, ISO timestamps, strings, lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in self.OMIT_EMPTY and value == _default_of(f):
                continue
            out[f.name] = _to_json(value)
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Self:
        """The payload of a stored dict: missing keys take their defaults, unknown keys are ignored."""
        if not data:
            return cls()
        converters = _converters(cls)
        kwargs = {}
        for name, value in data.items():
            if name in converters:
                convert = converters[name]
                kwargs[name] = convert(value) if convert is not None and value is not None else value
        return cls(**kwargs)


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


_CONVERTERS: dict[type, dict[str, Callable[[Any], Any] | None]] = {}


def _converter(hint: Any) -> Callable[[Any], Any] | None:
    """How a stored JSON value becomes the field's type (None: as stored)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return _converter(args[0]) if len(args) == 1 else None
    if hint is dt.datetime:
        return _parse_datetime
    if typing.get_origin(hint) is tuple:
        return tuple
    if isinstance(hint, type) and issubclass(hint, Payload):
        return hint.from_data
    return None


def _converters(cls: type[Payload]) -> dict[str, Callable[[Any], Any] | None]:
    """Each field's name and converter (`_converter`), worked out once per class."""
    cached = _CONVERTERS.get(cls)
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}
        _CONVERTERS[cls] = cached
    return cached


class UnknownEventTypeError(LookupError):
    pass


class PayloadRegistry:
    """One app's event types → payload classes; `parse` is its readers' one parse function."""

    def __init__(self, what: str, payloads: Mapping[str, type[Payload]]) -> None:
        self.what = what
        self.payloads = dict(payloads)
        for event_type, cls in self.payloads.items():
            if event_type != cls.TYPE:
                raise TypeError(f"{cls.__name__}.TYPE is {cls.TYPE!r}, registered under {event_type!r}")

    @classmethod
    def of_classes(cls, what: str, *classes: type[Payload]) -> PayloadRegistry:
        """The registry of `classes`, each under its own `TYPE`."""
        return cls(what, {c.TYPE: c for c in classes})

    def parse(self, event_type: str, data: Mapping[str, Any] | None) -> Payload:
        try:
            cls = self.payloads[event_type]
        except KeyError:
            raise UnknownEventTypeError(
                f"No payload class for {self.what} event type {event_type!r}: add one to its registry"
            ) from None
        return cls.from_data(data)

    def of(self, event: Any) -> Payload:
        """`parse` of an event row (`.type`, `.data`), kept on the instance."""
        cached = event.__dict__.get("_lianxin_payload")
        if cached is None:
            cached = self.parse(event.type, event.data)
            event.__dict__["_lianxin_payload"] = cached
        return cast(Payload, cached)

    def attach(self, events: typing.Iterable[Any]) -> list[Any]:
        """The events, each with its typed payload as `.payload`, for templates (`{{ e.payload.x }}`)."""
        out = list(events)
        for event in out:
            event.__dict__["payload"] = self.of(event)
        return out
