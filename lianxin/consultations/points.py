"""The organiser's view of the opinions, per paragraph: counts, support / oppose, key words and the
main points — clusters of similar opinions (near-duplicates folded), found by the triage text
engine's hotspot clustering (`lianxin.triage.hotspots`), with their central examples — and the
tone of the opinions (`lianxin.triage.sentiment`: positive / negative / neutral counts)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lianxin.triage.hotspots import HotspotRecord, find_hotspots
from lianxin.triage.sentiment import tally
from lianxin.triage.text import GENERIC_WORDS, tokenize

from .models import Comment, Consultation, Visibility
from .selectors import paragraphs_with_counts

TOP_WORDS = 8


def _points(comments: list[Comment]) -> list[dict[str, Any]]:
    if len(comments) < 2:
        return []
    records = [HotspotRecord(id=c.pk, title=c.text[:40], text=c.text) for c in comments]
    # small collections: keep bigrams shared by up to half of the opinions, allow one big cluster
    spots = find_hotspots(records, top=6, min_size=2, threshold=0.4, max_df=0.5, max_cluster_frac=1.0)
    return [
        {
            "label": s.label,
            "size": s.size,
            "keywords": s.keywords,
            "examples": [e.get("text", "") for e in s.examples][:3],
            "ids": s.ids,
        }
        for s in spots
    ]


def _words(comments: list[Comment]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for c in comments:
        counts.update({w for w in tokenize(c.text) if len(w) > 1 and w not in GENERIC_WORDS})
    return counts.most_common(TOP_WORDS)


def opinion_points(consultation: Consultation) -> list[dict[str, Any]]:
    """One entry per paragraph (and one for the whole draft, number None)."""
    comments = list(consultation.comments.filter(visibility=Visibility.VISIBLE).select_related("paragraph"))
    by_number: dict[int | None, list[Comment]] = {}
    for c in comments:
        by_number.setdefault(c.paragraph.number if c.paragraph else None, []).append(c)
    out = []
    for view in paragraphs_with_counts(consultation):
        items = by_number.get(view.paragraph.number, [])
        out.append(
            {
                "number": view.paragraph.number,
                "heading": view.paragraph.heading,
                "comments": len(items),
                "support": view.support,
                "oppose": view.oppose,
                "words": _words(items),
                "points": _points(items),
                "sentiment": tally(c.text for c in items).as_dict(),
            }
        )
    general = by_number.get(None, [])
    out.append(
        {
            "number": None,
            "heading": "",
            "comments": len(general),
            "support": 0,
            "oppose": 0,
            "words": _words(general),
            "points": _points(general),
            "sentiment": tally(c.text for c in general).as_dict(),
        }
    )
    return out
