"""Read side of the periodic reports: the content snapshot, the PDF state, the versions (which
reports a user may see, and act on: `reports.policy`).

`report_content` builds the JSON-serialisable snapshot a `Report` stores. It reads everything
through `lianxin.supervision.selectors` (KPI figures, breakdowns, series, rankings, drill-downs,
recurring problems); what is report-specific lives here: the headline with its change from the
previous period, the typical cases, and text hotspots bounded by the report's period.

Privacy: no resident names or phones ever enter a snapshot. Cases carry the tracking number,
the title with the appellant's own name and phone and any long digit run masked, and where,
what and who handled it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, Satisfaction
from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.org.models import Area
from lianxin.supervision import selectors as sv
from lianxin.supervision.models import FollowUp
from lianxin.supervision.selectors import Jurisdiction, KpiFigures, Period, Slice
from lianxin.worktime import calendar

from .models import PDF_PENDING_TIMEOUT, PdfState, Report, ReportPdf

# The headline figures, in order: key, how it is measured, whether a rise is good.
HEADLINE: tuple[tuple[str, str, bool], ...] = (
    ("received", "count", True),
    ("response_rate", "rate", True),
    ("resolution_rate", "rate", True),
    ("satisfaction_rate", "rate", True),
    ("on_time_rate", "rate", True),
    ("overdue", "count", False),
    ("returned", "count", False),
    ("reopened", "count", False),
    ("false_closures", "count", False),
)
RATE_KEYS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "return_rate",
    "reopen_rate",
)
CASES_PER_KIND = 3
FINDINGS_LIMIT = 20
HOTSPOT_LIMIT = 3000


# --- choices ---------------------------------------------------------------------------------------
# Who may see which report, and about which area a new one may be: `reports.policy`.


def areas_for_choice(j: Jurisdiction) -> list[Area]:
    levels = ("district", "street", "community")
    return [a for a in Area.objects.filter(level__in=levels).order_by("path") if j.covers_area(a)]


# --- privacy ----------------------------------------------------------------------------------------

_LONG_DIGITS = re.compile(r"\d[\d\- ]{5,}\d")


def redact(text: str, appeal: Appeal | None = None, *, limit: int = 60) -> str:
    """Mask the appellant's name and phone and any run of 7+ digits (phones, ID numbers)."""
    text = (text or "").strip()
    if appeal is not None:
        if appeal.contact_name and len(appeal.contact_name) >= 2:
            text = text.replace(appeal.contact_name, mask_name(appeal.contact_name))
        if appeal.contact_phone:
            text = text.replace(appeal.contact_phone, mask_phone(appeal.contact_phone))
    text = _LONG_DIGITS.sub(lambda m: mask_phone(m.group(0)) or "****", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- figures ----------------------------------------------------------------------------------------


def _figures(f: KpiFigures) -> dict[str, Any]:
    data = f.as_dict()
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in data.items()}


def headline(current: KpiFigures, previous: KpiFigures) -> list[dict[str, Any]]:
    now, before = _figures(current), _figures(previous)
    rows = []
    for key, measure, up_is_good in HEADLINE:
        value, prev = now.get(key), before.get(key)
        change: float | None = None
        if value is not None and prev is not None:
            change = round((value - prev) * 100, 1) if measure == "rate" else value - prev
        rows.append(
            {
                "key": key,
                "measure": measure,
                "value": value,
                "previous": prev,
                "change": change,
                "relative": round((value - prev) / prev * 100, 1) if measure == "count" and prev else None,
                "good": None if not change else (change > 0) == up_is_good,
            }
        )
    return rows


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _filled(period: Period, points: list[tuple[dt.date, KpiFigures]]) -> list[tuple[dt.date, KpiFigures]]:
    """Every day of the period, with empty figures for days without rollup rows."""
    known = dict(points)
    days = (period.end - period.start).days
    return [
        (d, known.get(d, KpiFigures())) for d in (period.start + dt.timedelta(days=i) for i in range(days))
    ]


def _series(points: list[tuple[dt.date, KpiFigures]]) -> list[dict[str, Any]]:
    """Series rows. The series selectors sum only the counters their charts need (no replies),
    so the on-time rate is not in them; the headline has it for the whole period."""
    return [
        {
            "date": day.isoformat(),
            "received": f.counters["received"],
            "closed": f.counters["closed"],
            "overdue": f.counters["overdue"],
            "response": _pct(f.response_rate),
            "resolution": _pct(f.resolution_rate),
            "satisfaction": _pct(f.satisfaction_rate),
        }
        for day, f in points
    ]


def _breakdown(rows: list[sv.BreakdownRow]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        f = r.figures
        out.append(
            {
                "label": r.label,
                "received": f.counters["received"],
                "assigned": f.counters["assigned"],
                "closed": f.counters["closed"],
                "overdue": f.counters["overdue"],
                "returned": f.counters["returned"],
                "chased": f.counters["chased"],  # 催办/补充 (absent from reports made before it was counted)
                "false_closures": f.false_closures,
                "response": _pct(f.response_rate),
                "resolution": _pct(f.resolution_rate),
                "satisfaction": _pct(f.satisfaction_rate),
                "on_time": _pct(f.on_time_rate),
                "previous_received": r.previous.counters["received"] if r.previous is not None else None,
                "previous_assigned": r.previous.counters["assigned"] if r.previous is not None else None,
            }
        )
    return out


def _ranking(rows: list[sv.RankingRow]) -> list[dict[str, Any]]:
    return [
        {
            "rank": r.rank,
            "label": r.label,
            "score": r.score.value,
            "deductions": r.score.deductions,
            "rank_change": r.rank_change,
            "score_change": r.score_change,
            "response": _pct(r.figures.response_rate),
            "resolution": _pct(r.figures.resolution_rate),
            "satisfaction": _pct(r.figures.satisfaction_rate),
            "overdue": r.figures.counters["overdue"],
            "false_closures": r.figures.false_closures,
        }
        for r in rows
        if r.rank is not None
    ]


def _local(at: dt.datetime | None) -> str:
    return at.astimezone(calendar.TZ).strftime("%Y-%m-%d") if at else ""


def _case(
    appeal: Appeal, why: str, *, event_at: dt.datetime | None = None, period: Period | None = None
) -> dict[str, Any]:
    """One case of the snapshot. `event_at`: when the event that put it into the period happened
    (its rating, overdue flag or follow-up call), shown beside the submission date: an appeal
    submitted last month that went overdue this month counts this month (docs/kpis.md)."""
    days = None
    if appeal.closed_at and appeal.submitted_at:
        days = round((appeal.closed_at - appeal.submitted_at).total_seconds() / 86400, 1)
    return {
        "tracking_number": appeal.tracking_number,
        "summary": redact(appeal.title, appeal),
        "category": appeal.category.name if appeal.category else "",
        "area": appeal.area.name if appeal.area else "",
        "unit": appeal.unit.name if appeal.unit else "",
        "submitted": _local(appeal.submitted_at),
        "closed": _local(appeal.closed_at),
        "due": _local(appeal.resolve_due_at),
        "days": days,
        "status": appeal.get_status_display(),
        "satisfaction": appeal.get_satisfaction_display() if appeal.satisfaction else "",
        "why": why,
        "event_date": _local(event_at),
        "submitted_in_period": _submitted_in(appeal, period) if period is not None else None,
    }


def _submitted_in(appeal: Appeal, period: Period) -> bool:
    start, end = period.bounds()
    return appeal.submitted_at is not None and start <= appeal.submitted_at < end


def _appeals(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return qs.select_related("unit", "area", "category").only(
        "tracking_number",
        "title",
        "contact_name",
        "contact_phone",
        "status",
        "satisfaction",
        "submitted_at",
        "closed_at",
        "resolve_due_at",
        "unit__name",
        "area__name",
        "category__name",
    )


def event_dates(figure: str, period: Period, slc: Slice, appeal_ids: list[int]) -> dict[int, dt.datetime]:
    """For each appeal behind `figure`, when its first event of that figure in the period happened."""
    if not appeal_ids:
        return {}
    if figure == "false_closures":
        start, end = period.bounds()
        calls = FollowUp.objects.filter(
            false_closure=True, done_at__gte=start, done_at__lt=end, appeal_id__in=appeal_ids
        )
        return dict(
            calls.values("appeal_id").annotate(at=Min("done_at")).order_by().values_list("appeal_id", "at")
        )
    events = sv.events_behind(figure, period, slc).filter(appeal_id__in=appeal_ids)
    return dict(events.values("appeal_id").annotate(at=Min("at")).order_by().values_list("appeal_id", "at"))


def _candidates(figure: str, period: Period, slc: Slice, *, limit: int = 50) -> list[Appeal]:
    """Appeals behind a figure: those submitted in the period first (oldest first), then, when
    there are not enough, earlier ones (latest first)."""
    start, end = period.bounds()
    qs = _appeals(sv.appeals_behind(figure, period, slc))
    inside = list(
        qs.filter(submitted_at__gte=start, submitted_at__lt=end).order_by("submitted_at", "pk")[:limit]
    )
    if len(inside) >= limit:
        return inside
    earlier = qs.exclude(submitted_at__gte=start, submitted_at__lt=end).order_by("-submitted_at", "-pk")
    return inside + list(earlier[: limit - len(inside)])


def typical_cases(period: Period, slc: Slice) -> dict[str, list[dict[str, Any]]]:
    """Good cases: satisfied, solved and closed fastest. Bad: false closures, overdue, dissatisfied.
    Appeals submitted in the period come first; each case says when the event that put it into
    the period happened."""
    satisfied = list(
        _appeals(
            sv.appeals_behind("satisfied", period, slc).filter(
                satisfaction=Satisfaction.SATISFIED, solved=True, closed_at__isnull=False
            )
        )[:2000]
    )
    good = sorted(
        satisfied,
        key=lambda a: (not _submitted_in(a, period), a.closed_at - a.submitted_at, a.tracking_number),  # type: ignore[operator]
    )[:CASES_PER_KIND]
    rated = event_dates("satisfied", period, slc, [a.pk for a in good])
    bad: list[dict[str, Any]] = []
    seen: set[str] = set()
    for figure, why in (
        ("false_closures", "false_closure"),
        ("overdue", "overdue"),
        ("dissatisfied", "dissatisfied"),
    ):
        picked: list[Appeal] = []
        for appeal in _candidates(figure, period, slc):
            if appeal.tracking_number in seen:
                continue
            seen.add(appeal.tracking_number)
            picked.append(appeal)
            if len(picked) >= CASES_PER_KIND - (1 if figure == "dissatisfied" else 0):
                break
        dates = event_dates(figure, period, slc, [a.pk for a in picked])
        bad += [_case(a, why, event_at=dates.get(a.pk), period=period) for a in picked]
    return {
        "good": [_case(a, "fast_satisfied", event_at=rated.get(a.pk), period=period) for a in good],
        "bad": bad,
    }


def _findings(figure: str, period: Period, slc: Slice) -> dict[str, Any]:
    qs = sv.appeals_behind(figure, period, slc)
    appeals = list(_appeals(qs).order_by("resolve_due_at", "pk")[:FINDINGS_LIMIT])
    dates = event_dates(figure, period, slc, [a.pk for a in appeals])
    return {
        "count": qs.count(),
        "cases": [_case(a, figure, event_at=dates.get(a.pk), period=period) for a in appeals],
    }


def period_text_hotspots(period: Period, slc: Slice) -> list[dict[str, Any]] | None:
    """Clusters of similar appeals submitted in the period (None without the triage engine).

    Unlike `supervision.selectors.text_hotspots` (the last 14 days, cached per slice) this is
    bounded by the report's period, so a report for an old month shows that month's hotspots."""
    try:
        from lianxin.triage.hotspots import find_hotspots
    except ImportError:  # pragma: no cover - the engine ships with the project
        return None
    start, end = period.bounds()
    rows = (
        Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .filter(slc.appeal_q())
        .order_by("-submitted_at")
        .values("pk", "title", "text", "submitted_at", "area__path")[:HOTSPOT_LIMIT]
    )
    records = [
        {
            "id": r["pk"],
            "title": r["title"],
            "text": r["text"],
            "time": r["submitted_at"],
            "area": r["area__path"],
        }
        for r in rows
    ]
    if not records:
        return []
    spots = find_hotspots(records, start=start, end=end, top=8)
    names = dict(Area.objects.values_list("path", "name"))
    return [
        {
            "label": redact(s.label, limit=40),
            "size": s.size,
            "growth": round(s.growth, 2) if s.growth is not None else None,
            "places": [names.get(p, p) for p in s.places[:3]],
        }
        for s in spots
    ]


def report_content(period: Period, area: Area | None, *, slc: Slice = sv.EVERYTHING) -> dict[str, Any]:
    """The whole snapshot of one report: JSON-serialisable, labels in the data's own words."""
    bundle = sv.period_report(period, area, slc=slc)
    if area is not None:
        slc = slc.narrow(area=area)
    totals: KpiFigures = bundle["totals"]
    previous: KpiFigures = bundle["previous_totals"]
    daily = _filled(period, sv.daily_series(period, slc))
    ranking = _ranking(bundle["unit_ranking"])
    months = period.months()
    # the ranking covers the report's own month or quarter (a quarter is no longer ranked by its last month)
    ranking_month = (
        period
        if period.kind in ("month", "quarter") or not months
        else Period.month(months[-1].year, months[-1].month)
    )
    overdue = _findings("overdue", period, slc)
    overdue["open_now"] = sv.overdue_appeals(slc).count()
    overdue["by_unit"] = sorted(
        ({"label": r.label, "count": r.figures.counters["overdue"]} for r in bundle["by_unit"] if r.key),
        key=lambda row: (-row["count"], row["label"]),
    )[:10]
    overdue["by_unit"] = [row for row in overdue["by_unit"] if row["count"]]
    return {
        "version": 3,  # 2: cases carry event_date and submitted_in_period; 3: indicator sections
        "period": {
            "label": period.label,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "last": (period.end - dt.timedelta(days=1)).isoformat(),
            "previous": period.previous().label,
        },
        "area": {"code": area.code, "name": area.name, "path": area.path} if area else None,
        "totals": _figures(totals),
        "previous_totals": _figures(previous),
        "headline": headline(totals, previous),
        "daily": _series(daily),
        "weekly": _series(sv.weekly(daily)),
        "by_category": _breakdown(bundle["by_category"]),
        "by_street": _breakdown([r for r in bundle["by_street"] if r.key]),
        "by_unit": _breakdown([r for r in bundle["by_unit"] if r.key]),
        "ranking_month": ranking_month.label,
        "unit_ranking": ranking,
        "street_ranking": _ranking(bundle["street_ranking"]),
        "overdue": overdue,
        "false_closures": _findings("false_closures", period, slc),
        "recurring": [
            {
                "category": r.category,
                "street": r.street,
                "count": r.count,
                "previous": r.previous,
                "growth": round(r.growth, 2) if r.growth is not None else None,
            }
            for r in bundle["recurring"]
        ],
        "text_hotspots": period_text_hotspots(period, slc),
        "cases": typical_cases(period, slc),
        "sections": indicator_sections(period, area),
    }


def indicator_sections(period: Period, area: Area | None) -> list[dict[str, Any]]:
    """The indicators other apps registered with supervision, for the report's area over the
    period, one section per registered source (outreach: 联系服务群众; activities, mediation,
    consultations), in the sections' order; a section is left out when none of its indicators has
    anything to measure (all None or 0)."""
    from lianxin.supervision.indicators import indicator_values, sections

    rows = indicator_values(
        area_paths=(area.path,) if area else None, start=period.start, end=period.end - dt.timedelta(days=1)
    )
    for row in rows:
        row["shown"] = _shown(row["value"], row["kind"])
    out = []
    paths = (area.path,) if area else None
    for section in sections():
        mine = [row for row in rows if row["source"] == section.source]
        if any(row["value"] for row in mine):
            tables = (
                section.tables(paths, period.start, period.end - dt.timedelta(days=1))
                if section.tables
                else []
            )
            out.append(
                {
                    "source": section.source,
                    "title": str(section.title),
                    "indicators": mine,
                    "tables": [
                        {
                            "title": t.title,
                            "columns": list(t.columns),
                            "rows": [[_cell(c) for c in row] for row in t.rows],
                        }
                        for t in tables
                        if t.rows
                    ],
                }
            )
    return out


def _cell(value: Any) -> str:
    """A breakdown's cell as the report shows it: shares (floats in 0..1 from a share column are
    given as such by the app) are already formatted by the app; numbers and None here."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def _shown(v: float | None, kind: str) -> str:
    if v is None:
        return "—"
    if kind == "share":
        return f"{v * 100:.1f}%"
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


# --- PDF renderings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfStatus:
    """The PDF of a report in one language, as the report page shows it.

    state: "ready" (a file of the current content), "pending" (being rendered), "failed" (with
    `error`), "stale" (the content changed since the last rendering and none is queued) or
    "none" (never asked for)."""

    state: str
    error: str = ""
    file: FieldFile | None = None

    @property
    def polling(self) -> bool:
        return self.state == "pending"


def report_pdf_status(report: Report, language: str, *, now: dt.datetime | None = None) -> PdfStatus:
    if not report.is_draft and report.pdf:
        return PdfStatus("ready", file=report.pdf)  # the PDF stored at publication
    row = ReportPdf.objects.filter(report=report, language=language).first()
    if row is None:
        return PdfStatus("none")
    if not row.is_current_for(report):
        return PdfStatus("stale")
    if row.state == PdfState.READY and row.file:
        return PdfStatus("ready", file=row.file)
    if row.state == PdfState.PENDING:
        if row.requested_at <= (now or timezone.now()) - PDF_PENDING_TIMEOUT:
            minutes = int(PDF_PENDING_TIMEOUT.total_seconds() // 60)
            return PdfStatus(
                "failed", _("超过 {n} 分钟仍未生成完成，后台任务可能已中断，请重试。").format(n=minutes)
            )
        return PdfStatus("pending")
    return PdfStatus("failed", row.error or _("原因未知。"))


def previous_reports(report: Report) -> QuerySet[Report]:
    """Other versions of the same period and area."""
    q = Q(period_label=report.period_label) & (Q(area=report.area) if report.area_id else Q(area=None))
    return Report.objects.filter(q).exclude(pk=report.pk).order_by("-version")
