"""Training the triage category model on the platform's own closed appeals."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lianxin.appeals.models import Appeal, Status

MIN_PER_CLASS = 30


@dataclass
class TrainReport:
    trained: bool
    message: str
    path: Path | None = None
    examples: int = 0
    classes: int = 0
    level: int = 0


def closed_examples(*, level: int | None, limit: int, seed: int = 0) -> tuple[list[str], list[str], int]:
    """Texts and category codes (at `level`, or the finest level with enough examples per class)."""
    rows = list(
        Appeal.objects.filter(status=Status.CLOSED, category__isnull=False)
        .order_by("-id")
        .values_list("title", "text", "category__path")[: limit * 2]
    )
    random.Random(seed).shuffle(rows)
    rows = rows[:limit]
    levels = [level] if level else [2, 1]
    chosen = levels[-1]
    for candidate in levels:
        counts = Counter(
            path.split("/")[candidate - 1] for _t, _x, path in rows if len(path.split("/")) >= candidate
        )
        if counts and min(counts.values()) >= MIN_PER_CLASS:
            chosen = candidate
            break
    texts, labels = [], []
    for title, text, path in rows:
        parts = path.split("/")
        if len(parts) >= chosen:
            texts.append(f"{title} {text}")
            labels.append(parts[chosen - 1])
    return texts, labels, chosen


def train_from_db(
    *, level: int | None = None, path: str | Path | None = None, limit: int = 20000
) -> TrainReport:
    try:
        from lianxin.triage.classifier import train_model
    except ImportError as exc:
        return TrainReport(False, f"Triage engine not available ({exc}); skipped training the demo model.")
    texts, labels, chosen = closed_examples(level=level, limit=limit)
    if len(set(labels)) < 2:
        return TrainReport(
            False, "Not enough closed appeals to train the triage model (need two categories or more)."
        )
    model = train_model(texts, labels)
    target = Path(path or settings.LIANXIN["TRIAGE_MODEL_PATH"])
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = model.save(target)
    return TrainReport(
        True,
        f"Triage model trained on {len(texts)} closed appeals, {len(set(labels))} "
        f"level-{chosen} categories, saved to {saved}.",
        Path(saved),
        len(texts),
        len(set(labels)),
        chosen,
    )
