"""Importing a centre's past appeals (`lianxin appeals import FILE [--dry-run]`).

Each row (CSV or XLSX, UTF-8, a header row; columns by name, see `COLUMNS`) becomes one appeal with
its original timestamps, and the events a live appeal would have had — submitted, dispatched,
accepted, replied, rated or closed — with the lateness computed from the working-day deadlines,
so the KPI fold, rankings and hotspots of past months come out right. `external_id` makes a rerun
import nothing twice. Every row is checked before anything is written; a refused row is reported by
its row number with the reason and never half-imported; rows are written one transaction per chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.phones import PhoneInvalidError, normalise_cn_phone
from lianxin.org.models import Area, Category, Unit

from . import deadlines, events
from .creation import reserve_tracking_numbers
from .models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    URGENCY_PRIORITY,
    Appeal,
    AppealEvent,
    Channel,
    Kind,
    Satisfaction,
    Status,
    Urgency,
)

TZ = ZoneInfo("Asia/Shanghai")
REQUIRED = ("external_id", "submitted_at", "area", "text")
OPTIONAL = (
    "channel",
    "kind",
    "category",
    "title",
    "contact_name",
    "contact_phone",
    "anonymous",
    "unit",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "reply_text",
    "closed_at",
    "satisfaction",
    "solved",
)
COLUMNS = REQUIRED + OPTIONAL
TIMES = ("submitted_at", "dispatched_at", "accepted_at", "replied_at", "closed_at")
SATISFACTION = {
    "satisfied": Satisfaction.SATISFIED,
    "满意": Satisfaction.SATISFIED,
    "basically_satisfied": Satisfaction.BASIC,
    "basic": Satisfaction.BASIC,
    "基本满意": Satisfaction.BASIC,
    "dissatisfied": Satisfaction.DISSATISFIED,
    "不满意": Satisfaction.DISSATISFIED,
}
YES = {"yes", "y", "true", "1", "是"}
NO = {"no", "n", "false", "0", "否"}
ACTOR = "历史导入"
CHUNK = 500


class ImportRefusedError(ValueError):
    """The file as a whole cannot be read (missing columns, wrong format)."""


@dataclass
class Refusal:
    row: int
    external_id: str
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    already: int = 0
    refused: list[Refusal] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------------


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: text}) for every data row."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        yield from _xlsx_rows(path)
        return
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefusedError("the file is not UTF-8: save it as CSV UTF-8 (or as .xlsx)") from exc
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    _check_header(header)
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            yield number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    _check_header(header)
    for number, values in enumerate(rows, start=2):
        cells = {h: _cell_text(values[i] if i < len(values) else None) for i, h in enumerate(header)}
        if any(cells.values()):
            yield number, cells
    book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRefusedError(
            f"the header row lacks the required column(s): {', '.join(missing)} "
            f"(columns: {', '.join(COLUMNS)})"
        )


# --- checking one row -------------------------------------------------------------------------------


class _RefuseError(Exception):
    pass


@dataclass
class Lookups:
    """Areas, categories and units by code and by name (a name shared by two is ambiguous)."""

    areas: dict[str, Area | None]
    categories: dict[str, Category | None]
    units: dict[str, Unit | None]

    @classmethod
    def load(cls) -> Lookups:
        return cls(_index(Area.objects.all()), _index(Category.objects.all()), _index(Unit.objects.all()))


def _index(objects: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    names: dict[str, list[Any]] = {}
    for obj in objects:
        out[obj.code] = obj
        names.setdefault(obj.name, []).append(obj)
    for name, found in names.items():
        out.setdefault(name, found[0] if len(found) == 1 else None)  # None: ambiguous
    return out


def _find(table: dict[str, Any], value: str, what: str) -> Any:
    if value not in table:
        raise _RefuseError(f"unknown {what} “{value}” (give its code or its exact name)")
    found = table[value]
    if found is None:
        raise _RefuseError(f"the {what} name “{value}” is shared by several; give its code")
    return found


def _time(value: str, column: str) -> dt.datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=TZ)
        except ValueError:
            continue
    raise _RefuseError(f"{column} “{value}” is not a possible time as YYYY-MM-DD HH:MM[:SS]")


def _choice(value: str, choices: Any, default: str, column: str) -> str:
    if not value:
        return default
    by_label: dict[str, str] = {str(label): key for key, label in choices.choices}
    if value in choices.values:
        return value
    if value in by_label:
        return by_label[value]
    raise _RefuseError(f"{column} “{value}” is not one of {', '.join(choices.values)}")


def _yes_no(value: str, column: str) -> bool | None:
    low = value.lower()
    if not low:
        return None
    if low in YES:
        return True
    if low in NO:
        return False
    raise _RefuseError(f"{column} “{value}” is not yes/no (是/否)")


def _check_times(cells: dict[str, str], now: dt.datetime) -> dict[str, dt.datetime | None]:
    """The row's times, or _RefuseError: submitted_at present, all in order, none in the future."""
    times = {c: _time(cells.get(c, ""), c) for c in TIMES}
    if times["submitted_at"] is None:
        raise _RefuseError("submitted_at is empty")
    present = [(c, t) for c, t in times.items() if t is not None]
    for (c1, t1), (c2, t2) in itertools.pairwise(present):
        if t2 < t1:
            raise _RefuseError(
                f"times out of order: {c2} ({t2:%Y-%m-%d %H:%M}) is before {c1} ({t1:%Y-%m-%d %H:%M})"
            )
    if present[-1][1] > now:
        raise _RefuseError(f"{present[-1][0]} is in the future")
    return times


def check_row(cells: dict[str, str], lookups: Lookups, now: dt.datetime) -> dict[str, Any]:
    """The row as the values to write, or _RefuseError with the first thing wrong with it."""
    text = cells.get("text", "")
    if not cells.get("external_id"):
        raise _RefuseError("external_id is empty")
    if len(cells["external_id"]) > 100:
        raise _RefuseError("external_id is longer than 100 characters")
    if not text:
        raise _RefuseError("text is empty")
    if len(text) > TEXT_MAX_LENGTH:
        raise _RefuseError(f"text is longer than {TEXT_MAX_LENGTH} characters")
    times = _check_times(cells, now)
    unit = _find(lookups.units, cells["unit"], "unit") if cells.get("unit") else None
    if unit is None and times["dispatched_at"] is not None:
        raise _RefuseError("dispatched_at is given but unit is empty")
    if times["dispatched_at"] is None and (times["accepted_at"] or times["replied_at"]):
        raise _RefuseError("accepted_at/replied_at given without dispatched_at")
    if cells.get("reply_text") and times["replied_at"] is None:
        raise _RefuseError("reply_text is given without replied_at")
    satisfaction = ""
    if cells.get("satisfaction"):
        if cells["satisfaction"] not in SATISFACTION:
            raise _RefuseError(
                f"satisfaction “{cells['satisfaction']}” is not satisfied/basically_satisfied/dissatisfied"
                " (满意/基本满意/不满意)"
            )
        satisfaction = SATISFACTION[cells["satisfaction"]]
    if satisfaction and times["replied_at"] is None:
        raise _RefuseError("a satisfaction is given for an appeal never replied to")
    anonymous = bool(_yes_no(cells.get("anonymous", ""), "anonymous"))
    phone = ""
    if cells.get("contact_phone") and not anonymous:
        try:
            phone = normalise_cn_phone(cells["contact_phone"])
        except PhoneInvalidError as exc:
            raise _RefuseError(f"contact_phone “{cells['contact_phone']}”: {exc}") from exc
    title = cells.get("title") or text.replace("\n", " ")[:30]
    return {
        "external_id": cells["external_id"],
        "times": times,
        "text": text,
        "title": title[:TITLE_MAX_LENGTH],
        "area": _find(lookups.areas, cells["area"], "area"),
        "category": _find(lookups.categories, cells["category"], "category")
        if cells.get("category")
        else None,
        "unit": unit,
        "channel": _choice(cells.get("channel", ""), Channel, Channel.IMPORT, "channel"),
        "kind": _choice(cells.get("kind", ""), Kind, Kind.COMPLAINT, "kind"),
        "anonymous": anonymous,
        "contact_name": "" if anonymous else cells.get("contact_name", "")[:50],
        "contact_phone": phone,
        "reply_text": cells.get("reply_text", ""),
        "satisfaction": satisfaction,
        "solved": _yes_no(cells.get("solved", ""), "solved"),
    }


# --- writing ----------------------------------------------------------------------------------------


def _events(appeal: Appeal, row: dict[str, Any]) -> list[AppealEvent]:
    t = row["times"]
    unit = row["unit"]

    def event(payload: events.Payload, **fields: Any) -> AppealEvent:
        return AppealEvent(appeal=appeal, type=payload.TYPE, data=payload.to_data(), **fields)

    out = [
        event(
            events.Submitted(channel=appeal.channel, kind=appeal.kind, imported=True),
            at=t["submitted_at"],
            actor_label=ACTOR,
            to_status=Status.SUBMITTED,
        )
    ]
    status = Status.SUBMITTED
    if t["dispatched_at"]:
        # the source system's suggestion is not known: none recorded (not "followed")
        out.append(
            event(
                events.Dispatched(chosen_unit=unit.pk),
                at=t["dispatched_at"],
                actor_label=ACTOR,
                unit=unit,
                from_status=status,
                to_status=Status.DISPATCHED,
            )
        )
        status = Status.DISPATCHED
    if t["accepted_at"]:
        late = appeal.accept_due_at is not None and t["accepted_at"] > appeal.accept_due_at
        out.append(
            event(
                events.Accepted(late=late),
                at=t["accepted_at"],
                actor_label=unit.name,
                unit=unit,
                from_status=status,
                to_status=Status.ACCEPTED,
            )
        )
        status = Status.ACCEPTED
    if t["replied_at"]:
        late = appeal.resolve_due_at is not None and t["replied_at"] > appeal.resolve_due_at
        out.append(
            event(
                events.Replied(late=late),
                at=t["replied_at"],
                actor_label=unit.name,
                unit=unit,
                from_status=status,
                to_status=Status.REPLIED,
                note=row["reply_text"],
            )
        )
        status = Status.REPLIED
    if t["closed_at"]:
        if row["satisfaction"]:
            out.append(
                event(
                    events.Rated(satisfaction=row["satisfaction"], solved=row["solved"]),
                    at=t["closed_at"],
                    actor_label=ACTOR,
                    from_status=status,
                    to_status=Status.CLOSED,
                )
            )
        else:
            out.append(
                event(
                    events.Closed(),
                    at=t["closed_at"],
                    actor_label=ACTOR,
                    unit=unit,
                    from_status=status,
                    to_status=Status.CLOSED,
                )
            )
    return out


_policies: dict[int | None, tuple[int, int]] = {}


def _policy(category: Category | None) -> tuple[int, int]:
    """The deadline policy per category, looked up once per import (reset by `appeals_import`)."""
    key = category.pk if category is not None else None
    if key not in _policies:
        _policies[key] = deadlines.policy_for(category, Urgency.NORMAL)
    return _policies[key]


def _appeal(row: dict[str, Any], tracking_number: str) -> Appeal:
    t = row["times"]
    status = (
        Status.CLOSED
        if t["closed_at"]
        else Status.REPLIED
        if t["replied_at"]
        else Status.ACCEPTED
        if t["accepted_at"]
        else Status.DISPATCHED
        if t["dispatched_at"]
        else Status.SUBMITTED
    )
    appeal = Appeal(
        tracking_number=tracking_number,
        external_id=row["external_id"],
        title=row["title"],
        text=row["text"],
        kind=row["kind"],
        channel=row["channel"],
        category=row["category"],
        area=row["area"],
        unit=row["unit"],
        is_anonymous=row["anonymous"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        contact_phone_hash=phone_lookup_hash(row["contact_phone"]),
        contact_consent=bool(row["contact_phone"]),
        urgency=Urgency.NORMAL,
        priority=URGENCY_PRIORITY[Urgency.NORMAL],
        status=status,
        submitted_at=t["submitted_at"],
        dispatched_at=t["dispatched_at"],
        accepted_at=t["accepted_at"],
        replied_at=t["replied_at"],
        closed_at=t["closed_at"],
        reply_text=row["reply_text"],
        satisfaction=row["satisfaction"],
        solved=row["solved"] if row["satisfaction"] else None,
        rated_at=t["closed_at"] if row["satisfaction"] else None,
    )
    if t["dispatched_at"]:
        due = deadlines.compute_deadlines(
            t["dispatched_at"], row["category"], Urgency.NORMAL, policy=_policy(row["category"])
        )
        appeal.accept_due_at, appeal.resolve_due_at = due.accept_due_at, due.resolve_due_at
        # still open: flagged now if past its deadline (the sweep would have done it)
        appeal.overdue = (
            status in (Status.DISPATCHED, Status.ACCEPTED) and timezone.now() > due.resolve_due_at
        )
    return appeal


def _write_chunk(rows: list[tuple[int, dict[str, Any]]], report: ImportReport) -> None:
    with transaction.atomic():
        ids = [row["external_id"] for _n, row in rows]
        seen = set(Appeal.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
        fresh = [row for _n, row in rows if row["external_id"] not in seen]
        report.already += len(rows) - len(fresh)
        by_day: dict[dt.date, list[dict[str, Any]]] = {}
        for row in fresh:
            by_day.setdefault(timezone.localtime(row["times"]["submitted_at"], TZ).date(), []).append(row)
        pairs: list[tuple[Appeal, dict[str, Any]]] = []
        for day, day_rows in sorted(by_day.items()):
            numbers = reserve_tracking_numbers(day, len(day_rows))
            pairs.extend((_appeal(row, number), row) for row, number in zip(day_rows, numbers, strict=True))
        Appeal.objects.bulk_create([appeal for appeal, _row in pairs], batch_size=500)
        events = [event for appeal, row in pairs for event in _events(appeal, row)]
        AppealEvent.objects.bulk_create(events, batch_size=1000)
        written = sorted(appeal.tracking_number for appeal, _row in pairs)
        if written:
            audit_append(
                action=AuditAction.STATE_CHANGE,
                object_type="appeal_import",
                object_id=written[0],
                actor_label=ACTOR,
                data={"imported": len(written), "first": written[0], "last": written[-1]},
            )
        report.imported += len(written)


def appeals_import(
    *, path: Path, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Check every row; unless `dry_run`, write the good ones (refused ones are reported, not written)."""
    lookups, now, report = Lookups.load(), timezone.now(), ImportReport()
    _policies.clear()  # deadline policies may have changed since the last import
    in_file: set[str] = set()
    chunk: list[tuple[int, dict[str, Any]]] = []
    for number, cells in read_rows(Path(path)):
        report.rows += 1
        try:
            row = check_row(cells, lookups, now)
            if row["external_id"] in in_file:
                raise _RefuseError(f"external_id “{row['external_id']}” appears twice in the file")
        except _RefuseError as refusal:
            report.refused.append(Refusal(number, cells.get("external_id", ""), str(refusal)))
            continue
        in_file.add(row["external_id"])
        if dry_run:
            continue
        chunk.append((number, row))
        if len(chunk) >= CHUNK:
            _write_chunk(chunk, report)
            chunk = []
            if progress:
                progress(report.rows)
    if chunk:
        _write_chunk(chunk, report)
    if dry_run:
        report.already = Appeal.objects.filter(~Q(external_id=""), external_id__in=in_file).count()
    if progress:
        progress(report.rows)
    return report
