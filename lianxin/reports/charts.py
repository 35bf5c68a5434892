"""Small server-side SVG charts for the reports.

Plain SVG strings, no JavaScript, so the same chart shows in the web page, the HTML download and
the PDF (WeasyPrint draws inline SVG). Text uses the Noto CJK font the project installs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"
COLORS = ("#1f6feb", "#2da44e", "#d29922", "#cf222e", "#8250df")
AXIS = "#57606a"
GRID = "#d0d7de"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    exp: float = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">'
        f"{escape(title)}</text>",
    ]


def _legend(parts: list[str], names: Sequence[str], x: float, y: float) -> None:
    for i, name in enumerate(names):
        cx = x + i * 110
        parts.append(f'<rect x="{cx}" y="{y - 9}" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<text x="{cx + 14}" y="{y}">{escape(name)}</text>')


def column_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    width: int = 680,
    height: int = 240,
    lines: bool = False,
    max_value: float | None = None,
    label_every: int | None = None,
) -> str:
    """Grouped columns (or lines when `lines`) over categorical x labels; None values are gaps."""
    left, right, top, bottom = 44, 12, 40, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _name, vals in series for v in vals if v is not None]
    top_value = max_value if max_value is not None else _nice_max(max(values, default=0))
    if max_value is None and all(float(v).is_integer() for v in values):
        top_value = max(top_value, 4)  # whole-number ticks for small counts
    parts = _open(width, height, title)
    _legend(parts, [name for name, _vals in series], left, 32)
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{_fmt(value)}</text>'
        )
    n = max(len(labels), 1)
    slot = plot_w / n
    every = label_every or max(1, math.ceil(n / 16))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="{AXIS}">'
                f"{escape(label)}</text>"
            )
    for s, (_name, vals) in enumerate(series):
        color = COLORS[s % len(COLORS)]
        if lines:
            points: list[str] = []
            for i, v in enumerate(vals):
                if v is None:
                    if len(points) > 1:
                        parts.append(
                            f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                            f'points="{" ".join(points)}"/>'
                        )
                    points = []
                    continue
                x = left + slot * (i + 0.5)
                y = top + plot_h - plot_h * min(v, top_value) / top_value
                points.append(f"{x:.1f},{y:.1f}")
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
            if len(points) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"/>'
                )
        else:
            bar_w = slot * 0.8 / max(len(series), 1)
            for i, v in enumerate(vals):
                if not v:
                    continue
                h = plot_h * min(v, top_value) / top_value
                x = left + slot * i + slot * 0.1 + bar_w * s
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="{color}"><title>{escape(labels[i])}: {_fmt(v)}</title></rect>'
                )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 680,
    unit: str = "",
    max_value: float | None = None,
) -> str:
    """Horizontal bars with their value, one per item (e.g. appeals per category)."""
    row_h, left, top = 22, 130, 30
    height = top + row_h * max(len(items), 1) + 10
    plot_w = width - left - 60
    top_value = max_value if max_value is not None else _nice_max(max((v for _l, v in items), default=0))
    parts = _open(width, height, title)
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = plot_w * min(value, top_value) / top_value if top_value else 0
        short = label if len(label) <= 10 else label[:9] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 4}" width="{max(w, 0.5):.1f}" height="{row_h - 8}" '
            f'fill="{COLORS[0]}"/>'
        )
        parts.append(
            f'<text x="{left + w + 4:.1f}" y="{y + 15}" fill="{AXIS}">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
