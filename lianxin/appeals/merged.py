"""Merged appeals (并案): the surviving appeal a merged one follows, and the merges triage proposes."""

from __future__ import annotations

from typing import Any

from .models import Appeal, Status

MAX_MERGE_HOPS = 5


def survivor_of(appeal: Appeal) -> Appeal:
    """The appeal a merged one was merged into, followed through merges of merges; the appeal
    itself when it was not merged."""
    current = appeal
    for _hop in range(MAX_MERGE_HOPS):
        if current.status != Status.MERGED or current.merged_into_id is None:
            break
        current = Appeal.objects.select_related("unit", "category", "area").get(pk=current.merged_into_id)
    return current


def merge_proposals(appeal: Appeal, *, limit: int = 5) -> list[tuple[Appeal, dict[str, Any]]]:
    """The likely duplicates triage found for this appeal (`suggestion["duplicates"]`), as appeals
    it could be merged into now: neither itself, nor merged, nor withdrawn. Best first."""
    hints = [h for h in (appeal.suggestion or {}).get("duplicates", []) if isinstance(h, dict)]
    numbers = [str(h.get("tracking_number", "")) for h in hints][: limit * 2]
    found = {
        a.tracking_number: a
        for a in Appeal.objects.filter(tracking_number__in=numbers)
        .exclude(pk=appeal.pk)
        .exclude(status__in=(Status.MERGED, Status.WITHDRAWN))
        .select_related("unit", "area")
    }
    result: list[tuple[Appeal, dict[str, Any]]] = []
    for hint in hints:
        target = found.get(str(hint.get("tracking_number", "")))
        if target is not None and all(target.pk != t.pk for t, _h in result):
            result.append((target, hint))
    return result[:limit]
