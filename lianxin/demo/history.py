"""Generating appeals with realistic histories, in chunks, as the rows the services would write.

Each appeal is walked through its lifecycle the way `lianxin.appeals.intake` and
`lianxin.appeals.services` (and the deadline sweep) would take it: the same status changes, the
same event types, notes and data, the same timestamps and flags. Steps that would fall after "now"
do not happen, so recent appeals are still open at every stage. Audit entries are chained exactly
as `audit_append` chains them (same digest), with the historical event time as their time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lianxin.appeals import events as ev_types
from lianxin.appeals import models as appeal_models
from lianxin.appeals.events import Payload
from lianxin.appeals.models import Appeal, Channel, Kind, Satisfaction, Status, Urgency
from lianxin.appeals.services import access_code_digest
from lianxin.core.crypto import phone_lookup_hash
from lianxin.worktime import calendar

from . import catalogue as cat
from .district import DistrictMap, GridInfo, LeafInfo, StaffInfo
from .steps import SWEEP_LAG, Ev, State

TZ = calendar.TZ
# Queue order column (0 emergency … 2 normal), when the appeals app has it.
HAS_PRIORITY = any(f.attname == "priority" for f in Appeal._meta.concrete_fields)
URGENCY_PRIORITY: dict[str, int] = getattr(appeal_models, "URGENCY_PRIORITY", {})
CHUNK = 2000
AUTO_CLOSE_DAYS = 7


@contextmanager
def _memoized_workdays() -> Iterator[None]:
    """Answer `calendar.is_workday` from a per-run memo while generating (hundreds of thousands of
    lookups for a few hundred distinct days); the calendar's own function is restored afterwards."""
    original = calendar.is_workday
    _add_working_days.cache_clear()  # the calendar may have changed since the last run
    calendar.is_workday = lru_cache(maxsize=4096)(original)
    try:
        yield
    finally:
        calendar.is_workday = original


@lru_cache(maxsize=20000)
def _add_working_days(day: dt.date, days: int) -> dt.datetime:
    return calendar.add_working_days(dt.datetime.combine(day, dt.time(12), tzinfo=TZ), days)


def deadlines_for(
    start: dt.datetime, accept_hours: int, resolve_days: int, urgency: str
) -> tuple[dt.datetime, dt.datetime]:
    """Same results as `lianxin.appeals.deadlines.compute_deadlines`, with the policy looked up once."""
    if urgency == Urgency.EMERGENCY:
        accept_due = start + dt.timedelta(hours=accept_hours)
    else:
        accept_due = calendar.add_working_hours(start, accept_hours)
    return accept_due, _add_working_days(start.astimezone(TZ).date(), resolve_days)


def _working_moment(
    rng: random.Random, after: dt.datetime, min_hours: float, max_hours: float
) -> dt.datetime:
    return calendar.add_working_hours(after, rng.uniform(min_hours, max_hours))


@dataclass
class Generated:
    """One chunk of rows, as dicts of model attribute names (ids assigned by the writer)."""

    appeals: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[int, Ev]] = field(default_factory=list)  # (appeal index in chunk, event)
    extensions: list[tuple[int, dict[str, Any], list[Ev]]] = field(default_factory=list)
    co_handlers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    merges: list[tuple[int, int]] = field(default_factory=list)  # (appeal index, target index)


# Problems tied to a place (the text names it); the others are about a person's own situation.
LOCATED_PREFIXES = ("CJ-", "HB-", "GA-", "JT-02", "JY-01-03", "JY-02-01", "SM-01-01", "WS-02-01", "MZ-02-02")
HOLDS = ("submitted", "dispatched", "accepted", "replied", "returned")
SYSTEM_TRIAGE = "智能分析"
SYSTEM_DISPATCH = "自动派单"
SYSTEM = "系统"
RESIDENT_LABEL = "群众"


class HistoryGenerator:
    def __init__(
        self,
        dmap: DistrictMap,
        *,
        seed: int,
        total: int,
        now: dt.datetime,
        days: int = 365,
        tracking_prefix: str = "LX",
        corpus: dict[str, list[str]] | None = None,
    ) -> None:
        self.dmap = dmap
        self.seed = seed
        self.total = total
        self.now = now
        self.start = now - dt.timedelta(days=days)
        self.prefix = tracking_prefix
        self.day_counters: dict[dt.date, int] = {}
        self.corpus = corpus or {}
        self.leaf_codes = {info.id: info.leaf.code for info in dmap.leaves}
        self.leaf_weights = [
            3 if info.top in ("CJ", "HB") else 1.5 if info.top in ("JT", "SM") else 1 for info in dmap.leaves
        ]

    # --- the chunks --------------------------------------------------------------------------------------

    def chunks(self) -> Iterator[Generated]:
        with _memoized_workdays():
            yield from self._chunks()

    def _chunks(self) -> Iterator[Generated]:
        span = (self.now - self.start).total_seconds()
        count = (self.total + CHUNK - 1) // CHUNK
        for k in range(count):
            rng = random.Random(f"appeals:{self.seed}:{k}")
            size = min(CHUNK, self.total - k * CHUNK)
            lo, hi = k * span / count, (k + 1) * span / count
            times = sorted(self._submission_time(rng, lo, hi) for _ in range(size))
            yield self._chunk(rng, k, times)

    def _submission_time(self, rng: random.Random, lo: float, hi: float) -> dt.datetime:
        # More appeals in the daytime and on working days (a rejection sampler).
        for _ in range(20):
            at = (self.start + dt.timedelta(seconds=rng.uniform(lo, hi))).astimezone(TZ)
            weight = 1.0 if 8 <= at.hour < 21 else 0.15
            if not calendar.is_workday(at.date()):
                weight *= 0.6
            if rng.random() < weight:
                break
        return at.replace(microsecond=rng.randrange(1_000_000))

    def _chunk(self, rng: random.Random, k: int, times: list[dt.datetime]) -> Generated:
        out = Generated()
        last_by_leaf: dict[str, int] = {}
        for i, submitted in enumerate(times):
            index = k * CHUNK + i
            info = rng.choices(self.dmap.leaves, weights=self.leaf_weights)[0]
            merge_target = last_by_leaf.get(info.leaf.code)
            self._appeal(rng, out, index, i=i, submitted=submitted, info=info, merge_target=merge_target)
            last_by_leaf[info.leaf.code] = i
        return out

    # --- one appeal ---------------------------------------------------------------------------------------

    def _tracking(self, at: dt.datetime) -> str:
        day = at.astimezone(TZ).date()
        n = self.day_counters.get(day, 0) + 1
        self.day_counters[day] = n
        return f"{self.prefix}{day:%Y%m%d}-{n:06d}"

    def _text(self, rng: random.Random, info: LeafInfo, grid: GridInfo, kind: str) -> tuple[str, str, str]:
        roads = cat.STREETS[grid.street_index][2]
        estate = rng.choice(cat.ESTATES)
        road = rng.choice(roads)
        address = f"{cat.STREETS[grid.street_index][1]}{road}{rng.randint(1, 300)}号{estate}"
        cross = rng.choice([r for r in roads if r != road])
        place = rng.choice(
            (
                f"{road}{estate}附近",
                f"{estate}{rng.randint(1, 30)}号楼",
                f"{road}与{cross}交叉口",
                f"{grid.community_name}{estate}",
                f"{road}{rng.randint(1, 300)}号",
            )
        )
        if not info.leaf.code.startswith(LOCATED_PREFIXES):
            place = ""
        problem = rng.choice(info.leaf.problems)
        opening = rng.choice(cat.OPENINGS).format(community=grid.community_name, estate=estate)
        if kind == Kind.INQUIRY:
            if any(word in problem for word in ("怎么", "如何", "什么", "有疑问")):
                text = f"{opening}想咨询一下，{problem}？{rng.choice(cat.INQUIRY_ENDINGS)}"
            else:
                ending = rng.choice(cat.INQUIRY_ENDINGS)
                text = f"{opening}想咨询一下，{problem}的情况应该找哪个部门反映？{ending}"
            title = f"咨询{info.leaf.name}问题"
        elif kind == Kind.SUGGESTION:
            text = f"{opening}{place}{problem}，{rng.choice(cat.SUGGESTION_ENDINGS)}"
            title = f"关于{info.leaf.name}的建议"
        elif kind == Kind.PRAISE:
            text = f"{opening}{place}之前反映的{info.leaf.name}问题处理得很好，特此表扬相关工作人员！"
            title = f"表扬{info.leaf.name}处理及时"
        else:
            impact = rng.choice(cat.IMPACTS[info.top])
            text = (
                f"{opening}{place}{problem}，{rng.choice(cat.DURATIONS)}，{impact}，{rng.choice(cat.HOPES)}"
            )
            title = (f"{place}{problem}" if place else f"{info.leaf.name}：{problem}")[:30]
            real = self.corpus.get(info.top)
            if real and rng.random() < 0.3:
                text = rng.choice(real)[:3000]
                title = text[:30]
        return title, text, address

    def _appeal(
        self,
        rng: random.Random,
        out: Generated,
        index: int,
        *,
        i: int,
        submitted: dt.datetime,
        info: LeafInfo,
        merge_target: int | None,
    ) -> None:
        dmap, now = self.dmap, self.now
        grid = rng.choice(dmap.grids)
        leaf_kind = info.leaf.kind
        roll = rng.random()
        kind = (
            leaf_kind
            if roll < 0.7
            else Kind.COMPLAINT
            if roll < 0.9
            else rng.choice((Kind.HELP, Kind.SUGGESTION, Kind.INQUIRY, Kind.PRAISE, Kind.REPORT))
        )
        roll = rng.random()
        channel = (
            Channel.HOTLINE
            if roll < 0.5
            else Channel.WEB
            if roll < 0.78
            else Channel.VISIT
            if roll < 0.86
            else Channel.API
            if roll < 0.93
            else Channel.OPEN311
        )
        if channel == Channel.VISIT and grid.id not in dmap.grid_workers:
            channel = Channel.HOTLINE
        roll = rng.random()
        urgency = Urgency.EMERGENCY if roll < 0.01 else Urgency.URGENT if roll < 0.08 else Urgency.NORMAL
        title, text, address = self._text(rng, info, grid, kind)
        tracking = self._tracking(submitted)

        # Who: residents with accounts for online channels, callers otherwise; a few anonymous.
        resident_id: int | None = None
        anonymous = channel in (Channel.WEB, Channel.API) and rng.random() < 0.06
        name, phone = self._person(rng)
        if channel in (Channel.WEB, Channel.API, Channel.OPEN311) and not anonymous and rng.random() < 0.7:
            if dmap.demo_resident is not None and index % 97 == 5:
                resident_id, name, phone = dmap.demo_resident
            elif dmap.residents:
                resident_id, name, phone = rng.choice(dmap.residents)
        access_code_hash = ""
        if anonymous:
            name, phone = "", ""
            if resident_id is None:
                access_code_hash = access_code_digest(tracking, f"{rng.randrange(10**6):06d}")

        u, v = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = grid.corners
        lon = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
        lat = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3

        candidates = dmap.routes.get((info.leaf.code, grid.street_index), [])
        ambiguous = len(candidates) > 1
        suggested = candidates[0] if len(candidates) == 1 else None
        row: dict[str, Any] = {
            "tracking_number": tracking,
            "title": title,
            "text": text,
            "kind": kind,
            "channel": channel,
            "category_id": info.id,
            "area_id": grid.id,
            "address": address,
            "latitude": Decimal(f"{lat:.6f}"),
            "longitude": Decimal(f"{lon:.6f}"),
            "resident_id": resident_id,
            "is_anonymous": anonymous,
            "contact_name": name,
            "contact_phone": phone,
            "contact_phone_hash": phone_lookup_hash(phone),
            "contact_consent": not anonymous,
            "access_code_hash": access_code_hash,
            "urgency": urgency,
            "urgency_triggers": ["火灾"] if urgency == Urgency.EMERGENCY else [],
            "status": Status.SUBMITTED,
            "unit_id": None,
            "suggested_unit_id": suggested,
            "suggested_category_id": info.id,
            "merged_into_id": None,
            "submitted_at": submitted,
            "dispatched_at": None,
            "accepted_at": None,
            "replied_at": None,
            "closed_at": None,
            "accept_due_at": None,
            "resolve_due_at": None,
            "due_soon": False,
            "overdue": False,
            "accept_overdue": False,
            "reply_text": "",
            "satisfaction": "",
            "solved": None,
            "rating_comment": "",
            "rated_at": None,
            "reopen_count": 0,
            "return_count": 0,
        }
        suggestion = {
            "category": info.leaf.code,
            "category_confidence": round(rng.uniform(0.55, 0.99), 4),
            "category_top": [[info.leaf.code, 0.9]],
            "abstained": False,
            "unit": dmap.unit_codes[suggested] if suggested else None,
            "unit_candidates": [dmap.unit_codes[c] for c in candidates],
            "ambiguous": ambiguous,
            "urgency": urgency,
            "urgency_triggers": row["urgency_triggers"],
            "duplicates": [],
            "repeat_appellant": False,
            "reasons": [],
            "error": "",
            "elapsed_ms": round(rng.uniform(3, 40), 2),
        }
        row["suggestion"] = suggestion
        if HAS_PRIORITY:
            row["priority"] = URGENCY_PRIORITY.get(urgency, 2)
        out.appeals.append(row)
        state = State(row=row, events=[], now=now)

        # Submission (who submits depends on the channel).
        submitter: StaffInfo | None
        if channel == Channel.HOTLINE:
            assert dmap.operator is not None
            submitter, label = dmap.operator, dmap.operator.label
        elif channel == Channel.VISIT:
            submitter = dmap.grid_workers[grid.id]
            label = submitter.label
        else:
            submitter = StaffInfo(resident_id, RESIDENT_LABEL) if resident_id else None
            label = RESIDENT_LABEL
        state.add(
            Ev(
                ev_types.Submitted(channel=channel, kind=kind),
                submitted,
                submitter,
                label,
                to_status=Status.SUBMITTED,
            )
        )
        state.add(
            Ev(
                ev_types.Triaged(suggestion=suggestion),
                submitted + dt.timedelta(milliseconds=50),
                None,
                SYSTEM_TRIAGE,
                from_status=Status.SUBMITTED,
                to_status=Status.SUBMITTED,
                public=False,
            )
        )
        self._lifecycle(
            rng,
            out,
            state,
            i=i,
            info=info,
            grid=grid,
            candidates=candidates,
            index=index,
            merge_target=merge_target,
        )
        for ev in state.events:
            out.events.append((i, ev))

    def _person(self, rng: random.Random) -> tuple[str, str]:
        name = rng.choice(cat.SURNAMES) + rng.choice(
            ("先生", "女士", rng.choice(cat.GIVEN) + rng.choice(cat.GIVEN))
        )
        return name, f"1380000{rng.randrange(10000):04d}"

    # Scoring a reply costs a few milliseconds: every reply in demo-sized seeds, one in
    # REPLY_SCORE_STRIDE in benchmark-sized ones (the rest carry None: "not scored").
    REPLY_SCORE_ALL_UP_TO = 20_000
    REPLY_SCORE_STRIDE = 20

    def _reply_quality(self, row: dict[str, Any], reply: str, at: dt.datetime) -> dict[str, Any] | None:
        self._replies_seen = getattr(self, "_replies_seen", 0) + 1
        if self.total > self.REPLY_SCORE_ALL_UP_TO and self._replies_seen % self.REPLY_SCORE_STRIDE:
            return None
        from lianxin.appeals.services import reply_quality_data

        return reply_quality_data(f"{row['title']} {row['text']}", reply, row["submitted_at"], at)

    def _lifecycle(
        self,
        rng: random.Random,
        out: Generated,
        st: State,
        *,
        i: int,
        info: LeafInfo,
        grid: GridInfo,
        candidates: list[int],
        index: int,
        merge_target: int | None,
    ) -> None:
        dmap, row = self.dmap, st.row
        assert dmap.dispatcher is not None
        assert dmap.operator is not None
        dispatcher, operator = dmap.dispatcher, dmap.operator
        owner = StaffInfo(row["resident_id"], RESIDENT_LABEL) if row["resident_id"] else None
        t = row["submitted_at"]
        # Recent appeals are sometimes left at a given stage ("hold"), so every stage is represented.
        # The very last appeals cycle through the open stages, so even a small seed has each of them.
        recent = (self.now - t) < dt.timedelta(days=20)
        bucket = index % 100
        from_end = self.total - 1 - index
        if from_end < max(10, self.total // 50):
            hold = HOLDS[from_end % len(HOLDS)]
        else:
            hold = rng.choice(HOLDS) if recent and rng.random() < 0.5 else ""

        if bucket in (11, 61):  # withdrawn by the resident (or the operator) early on
            at = t + dt.timedelta(hours=rng.uniform(0.2, 20))
            actor, label = (owner, RESIDENT_LABEL) if owner else (operator, operator.label)
            st.transition(
                ev_types.Withdrawn(),
                at,
                actor,
                label,
                Status.WITHDRAWN,
                note="问题已自行解决，申请撤回。",
                changes={"closed_at": at},
            )
            return
        if bucket in (23, 73) and merge_target is not None and hold != "submitted":
            target = out.appeals[merge_target]
            if target["status"] not in (Status.MERGED, Status.WITHDRAWN):
                at = t + dt.timedelta(hours=rng.uniform(0.3, 6))
                if st.transition(
                    ev_types.Merged(into=target["tracking_number"]),
                    at,
                    dispatcher,
                    dispatcher.label,
                    Status.MERGED,
                    note=f"并入 {target['tracking_number']}",
                    changes={"closed_at": at},
                ):
                    out.merges.append((i, merge_target))
                return

        auto = bool(
            len(candidates) == 1 and not (row["kind"] == Kind.INQUIRY and row["channel"] == Channel.HOTLINE)
        )
        if row["kind"] in (Kind.INQUIRY, Kind.PRAISE) and row["channel"] == Channel.HOTLINE and not hold:
            at = t + dt.timedelta(minutes=rng.uniform(3, 15))
            answer = rng.choice(cat.INQUIRY_ANSWERS)
            st.transition(
                ev_types.AnsweredDirectly(),
                at,
                operator,
                operator.label,
                Status.CLOSED,
                note=answer,
                changes={"reply_text": answer, "replied_at": at, "closed_at": at},
            )
            return
        if hold == "submitted":
            return
        unit = rng.choice(candidates) if candidates else dmap.unit_ids[cat.HOTLINE.code]
        if auto:
            at = t + dt.timedelta(seconds=rng.uniform(0.2, 2))
            ok = self._dispatch(
                st,
                at,
                actor=None,
                label=SYSTEM_DISPATCH,
                unit=unit,
                note="派单目录唯一匹配，自动派单",
                info=info,
            )
        else:
            at = _working_moment(rng, t, 0.1, 2.5)
            ok = self._dispatch(
                st, at, actor=dispatcher, label=dispatcher.label, unit=unit, note="", info=info
            )
        if not ok:
            return

        # Return (退单) and dispatch again to the other candidate or the street office.
        if bucket in (5, 37, 69) or (len(candidates) > 1 and rng.random() < 0.3) or hold == "returned":
            handler = dmap.handlers[unit]
            at = _working_moment(rng, st.last, 0.3, 3)
            reason = rng.choice(cat.RETURN_REASONS)
            if not st.transition(
                ev_types.Returned(returned_by_unit=unit, category=info.id, area=grid.id),
                at,
                handler,
                handler.label,
                Status.RETURNED,
                note=reason,
                unit_id=unit,
                changes={
                    "unit_id": None,
                    "accepted_at": None,
                    "accept_due_at": None,
                    "resolve_due_at": None,
                    "due_soon": False,
                    "return_count": row["return_count"] + 1,
                },
            ):
                return
            if hold == "returned":
                return
            others = [c for c in candidates if c != unit] or [
                dmap.unit_ids[f"{cat.STREET_OFFICE}-{cat.STREETS[grid.street_index][0]}"]
            ]
            unit = rng.choice(others)
            if not self._dispatch(
                st,
                _working_moment(rng, st.last, 0.2, 4),
                actor=dispatcher,
                label=dispatcher.label,
                unit=unit,
                note="根据退单意见改派。",
                info=info,
            ):
                return
        self._handle(rng, out, st, i=i, unit=unit, owner=owner, hold=hold, first_round=True)

    def _dispatch(
        self,
        st: State,
        at: dt.datetime,
        *,
        actor: StaffInfo | None,
        label: str,
        unit: int,
        note: str,
        info: LeafInfo,
    ) -> bool:
        row = st.row
        accept_hours, resolve_days = self.dmap.policies[(info.leaf.code, row["urgency"])]
        accept_due, resolve_due = deadlines_for(at, accept_hours, resolve_days, row["urgency"])
        suggested = row["suggested_unit_id"]
        return st.transition(
            ev_types.Dispatched(
                suggested_unit=suggested, chosen_unit=unit, followed_suggestion=suggested == unit
            ),
            at,
            actor,
            label,
            Status.DISPATCHED,
            note=note,
            unit_id=unit,
            changes={
                "unit_id": unit,
                "dispatched_at": at,
                "accept_due_at": accept_due,
                "resolve_due_at": resolve_due,
                "due_soon": False,
                "accept_overdue": False,
            },
        )

    def _handle(  # noqa: C901, PLR0912, PLR0915  one simulated handling, step after step as in reality
        self,
        rng: random.Random,
        out: Generated,
        st: State,
        *,
        i: int,
        unit: int,
        owner: StaffInfo | None,
        hold: str,
        first_round: bool,
    ) -> None:
        dmap, row = self.dmap, st.row
        handler = dmap.handlers[unit]
        if hold == "dispatched" and first_round:
            st.flags_at_now()
            return
        # Accept: mostly in time, sometimes late (the sweep flags it first).
        late_accept = rng.random() < 0.06
        if late_accept:
            at = row["accept_due_at"] + dt.timedelta(hours=rng.uniform(0.5, 20))
        else:
            at = _working_moment(
                rng, st.last, 0.05, 0.9 * _hours_between(st.last, row["accept_due_at"]) + 0.05
            )
            at = min(at, row["accept_due_at"]) if row["accept_due_at"] > st.last else at
        sweep_at = row["accept_due_at"] + SWEEP_LAG
        if (late_accept or at > row["accept_due_at"]) and sweep_at <= min(at, self.now):
            st.flag("accept_overdue", ev_types.AcceptOverdue, sweep_at, unit)
        if not st.transition(
            ev_types.Accepted(late=at > row["accept_due_at"]),
            at,
            handler,
            handler.label,
            Status.ACCEPTED,
            unit_id=unit,
            changes={"accepted_at": at, "accept_overdue": row["accept_overdue"] or at > row["accept_due_at"]},
        ):
            st.flags_at_now()
            return
        # Contact with the resident (联系群众, the response of docs/kpis.md): most units record it
        # within the hour; one appeal in eight is never contacted before the reply. Deterministic
        # (no draw from rng), so the rest of the generated history is unchanged.
        if i % 8:
            contact_at = st.last + dt.timedelta(minutes=40 + i % 50)
            if contact_at <= self.now:
                st.add(
                    Ev(
                        ev_types.ResidentContacted(method="phone"),
                        contact_at,
                        handler,
                        handler.label,
                        unit,
                        row["status"],
                        row["status"],
                        public=False,
                    )
                )
        # Co-handler (协办), sometimes.
        if rng.random() < 0.04:
            co_unit = rng.choice([u for u in dmap.handlers if u != unit and u not in st.co_units])
            at = _working_moment(rng, st.last, 0.2, 3)
            if at <= self.now:
                st.co_units.add(co_unit)
                out.co_handlers.append(
                    (i, {"unit_id": co_unit, "added_at": at, "reply_text": "", "replied_at": None})
                )
                st.add(
                    Ev(
                        ev_types.CoHandlerAdded(),
                        at,
                        handler,
                        handler.label,
                        co_unit,
                        row["status"],
                        row["status"],
                    )
                )
        # Extension (延期), sometimes; approved mostly.
        if rng.random() < 0.05:
            self._extension(rng, out, st, i=i, unit=unit, handler=handler)
        if hold == "accepted" and first_round:
            st.flags_at_now()
            return
        # Reply: mostly before the deadline; some late, a few stuck and overdue now.
        roll = rng.random()
        due = row["resolve_due_at"]
        if roll < 0.07:
            at = due + dt.timedelta(hours=rng.uniform(2, 120))
        elif roll < 0.08:
            at = due + dt.timedelta(days=rng.uniform(30, 400))
        else:
            hours = max(0.2, _hours_between(st.last, due) * rng.uniform(0.15, 0.95))
            at = st.last + dt.timedelta(hours=hours)
        if at > due and due + SWEEP_LAG <= min(at, self.now):
            st.flag("overdue", ev_types.Overdue, due + SWEEP_LAG, unit)
        if row["kind"] in (Kind.INQUIRY,):
            reply = rng.choice(cat.INQUIRY_ANSWERS)
        else:
            action = rng.choice(cat.REPLY_ACTIONS)
            reply = f"您好，关于您反映的问题，经现场核实，{action}。感谢您对我们工作的支持。"
        quality = self._reply_quality(row, reply, at)
        replied = ev_types.Replied(
            late=at > due, reply_quality=ev_types.ReplyQuality.from_data(quality) if quality else None
        )
        if not st.transition(
            replied,
            at,
            handler,
            handler.label,
            Status.REPLIED,
            note=reply,
            unit_id=unit,
            changes={
                "reply_text": reply,
                "replied_at": at,
                "overdue": row["overdue"] or at > due,
                "due_soon": False,
            },
        ):
            st.flags_at_now()
            return
        if hold == "replied" and first_round:
            return
        # Rating by the resident, or closed by the system after AUTO_CLOSE_DAYS.
        if rng.random() < 0.85:
            at = st.last + dt.timedelta(hours=rng.uniform(0.5, 72))
            roll = rng.random()
            satisfaction = (
                Satisfaction.SATISFIED
                if roll < 0.76
                else Satisfaction.BASIC
                if roll < 0.9
                else Satisfaction.DISSATISFIED
            )
            solved = satisfaction != Satisfaction.DISSATISFIED or rng.random() < 0.2
            comment = rng.choice(
                cat.DISSATISFIED_COMMENTS
                if satisfaction == Satisfaction.DISSATISFIED
                else cat.SATISFIED_COMMENTS
            )
            # Without an account the resident proved the appeal is theirs by tracking number + phone digits.
            if not st.transition(
                ev_types.Rated(satisfaction=satisfaction, solved=solved),
                at,
                owner,
                RESIDENT_LABEL,
                Status.CLOSED,
                note=comment,
                unit_id=unit,
                changes={
                    "satisfaction": satisfaction,
                    "solved": solved,
                    "rating_comment": comment,
                    "rated_at": at,
                    "closed_at": at,
                },
            ):
                return
            if first_round and satisfaction == Satisfaction.DISSATISFIED and rng.random() < 0.4:
                at = st.last + dt.timedelta(hours=rng.uniform(1, 48))
                accept_hours, resolve_days = dmap.policies[(self._leaf_code(row), row["urgency"])]
                accept_due, resolve_due = deadlines_for(at, accept_hours, resolve_days, row["urgency"])
                if not st.transition(
                    ev_types.Reopened(
                        previous_satisfaction=row["satisfaction"], previous_solved=row["solved"]
                    ),
                    at,
                    owner,
                    RESIDENT_LABEL,
                    Status.DISPATCHED,
                    note=rng.choice(cat.REOPEN_REASONS),
                    unit_id=unit,
                    changes={
                        "reopen_count": row["reopen_count"] + 1,
                        "dispatched_at": at,
                        "accepted_at": None,
                        "replied_at": None,
                        "closed_at": None,
                        "satisfaction": "",
                        "solved": None,
                        "rating_comment": "",
                        "rated_at": None,
                        "accept_due_at": accept_due,
                        "resolve_due_at": resolve_due,
                        "due_soon": False,
                        "overdue": False,
                        "accept_overdue": False,
                    },
                ):
                    return
                self._handle(rng, out, st, i=i, unit=unit, owner=owner, hold="", first_round=False)
        else:
            at = st.last + dt.timedelta(days=AUTO_CLOSE_DAYS, minutes=rng.uniform(5, 120))
            st.transition(
                ev_types.Closed(),
                at,
                None,
                SYSTEM,
                Status.CLOSED,
                note="群众逾期未评价，系统自动办结。",
                changes={"closed_at": at},
                with_unit=False,
            )

    def _leaf_code(self, row: dict[str, Any]) -> str:
        return self.leaf_codes[row["category_id"]]

    def _extension(
        self, rng: random.Random, out: Generated, st: State, *, i: int, unit: int, handler: StaffInfo
    ) -> None:
        row = st.row
        at = _working_moment(rng, st.last, 0.5, 8)
        if at > self.now or at > row["resolve_due_at"]:
            return
        days = rng.choice((3, 5, 10))
        reason = rng.choice(cat.EXTENSION_REASONS)
        request: dict[str, Any] = {
            "unit_id": unit,
            "requested_by_id": handler.id,
            "requested_at": at,
            "working_days": days,
            "reason": reason,
            "status": "pending",
            "decided_by_id": None,
            "decided_at": None,
            "decision_note": "",
        }
        # The request's id is only known when written: its events carry a placeholder filled by the writer.
        events = [
            Ev(
                ev_types.ExtensionRequested(working_days=days),
                at,
                handler,
                handler.label,
                unit,
                row["status"],
                row["status"],
                note=reason,
                public=False,
            )
        ]
        decided = _working_moment(rng, at, 0.5, 6)
        if decided <= self.now:
            dispatcher = self.dmap.dispatcher
            assert dispatcher is not None
            approve = rng.random() < 0.8
            note = "" if approve else "理由不充分，请按期办结。"
            request.update(
                status="approved" if approve else "refused",
                decided_by_id=dispatcher.id,
                decided_at=decided,
                decision_note=note,
            )
            decision: Payload = ev_types.ExtensionRefused(working_days=days)
            if approve:
                old_due = row["resolve_due_at"]
                new_due = calendar.add_working_days(old_due, days)
                row["resolve_due_at"] = new_due
                row["due_soon"] = False
                if new_due > decided:
                    row["overdue"] = False
                decision = ev_types.ExtensionApproved(working_days=days, old_due=old_due, new_due=new_due)
            events.append(
                Ev(
                    decision,
                    decided,
                    dispatcher,
                    dispatcher.label,
                    unit,
                    row["status"],
                    row["status"],
                    note=note,
                    public=approve,
                )
            )
        for ev in events:
            st.add(ev)
        out.extensions.append((i, request, events))


def _hours_between(a: dt.datetime, b: dt.datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)
