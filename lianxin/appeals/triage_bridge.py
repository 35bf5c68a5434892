"""The platform's side of the triage engine: suggestions for a new appeal.

The engine is plain Python (`lianxin.triage`); this module loads the deployment's model once,
maps its labels to categories and asks the dispatch catalogue for the unit. If anything fails or
takes too long, intake still succeeds: the suggestion is empty and a dispatcher decides.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from lianxin.org.models import Area, Category, Unit

from .routing import ROUTING_MIN_SCORE, route_for
from .suggestion_reasons import CATALOGUE

logger = logging.getLogger(__name__)

_model_lock = threading.Lock()
_model_cache: dict[str, Any] = {}
# Classification runs in a small pool so that intake can stop waiting for it after a time budget.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lianxin-triage")


@dataclass
class Suggestion:
    category: Category | None = None
    category_confidence: float = 0.0
    category_top: list[tuple[str, float]] = field(default_factory=list)
    abstained: bool = True
    unit: Unit | None = None
    unit_candidates: list[str] = field(default_factory=list)
    ambiguous: bool = False
    urgency: str = ""
    urgency_triggers: list[str] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    repeat_appellant: bool = False
    # What led to the suggestion, as codes with parameters (see `suggestion_reasons`), rendered in
    # the reader's language at display.
    reasons: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    elapsed_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.code if self.category else None,
            "category_confidence": round(self.category_confidence, 4),
            "category_top": [[label, round(conf, 4)] for label, conf in self.category_top],
            "abstained": self.abstained,
            "unit": self.unit.code if self.unit else None,
            "unit_candidates": self.unit_candidates,
            "ambiguous": self.ambiguous,
            "urgency": self.urgency,
            "urgency_triggers": self.urgency_triggers,
            "duplicates": self.duplicates,
            "repeat_appellant": self.repeat_appellant,
            "reasons": self.reasons,
            "error": self.error,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


def load_model() -> Any | None:
    """The category model named by settings, loaded once per process (None when absent)."""
    path = str(settings.LIANXIN.get("TRIAGE_MODEL_PATH") or "")
    if not path or not Path(path).exists():
        return None
    with _model_lock:
        cached = _model_cache.get(path)
        mtime = Path(path).stat().st_mtime
        if cached is not None and cached[0] == mtime:
            return cached[1]
        from lianxin.triage.classifier import load_model as engine_load

        model = engine_load(path)
        _model_cache[path] = (mtime, model)
        return model


def reset_model_cache() -> None:
    with _model_lock:
        _model_cache.clear()


def _category_for_label(label: str) -> Category | None:
    return (
        Category.objects.filter(code=label, active=True).first()
        or Category.objects.filter(name=label, active=True).order_by("level").first()
    )


@dataclass(frozen=True)
class Routed:
    """The dispatch catalogue's suggestion for a category and area."""

    unit: Unit | None = None
    candidates: list[str] = field(default_factory=list)
    ambiguous: bool = False  # several candidates, or a unit that keeps returning: never automatic
    reason: dict[str, Any] | None = None  # the "catalogue" part of the suggestion's reasons


CATALOGUE_REASON = "派单目录："  # how an old record's text reason names the catalogue's part


def route_unit(category: Category | None, area: Area | None) -> Routed:
    """The unit the dispatch catalogue suggests first for a category and area (None when it has
    none). Intake's suggestion and a reclassification's (改分类) both use it."""
    routing = route_for(category, area)
    if not routing.suggestions:
        return Routed(candidates=list(routing.units))
    best = routing.suggestions[0]
    units = {u.code: u for u in Unit.objects.filter(code__in=routing.units)}
    params: dict[str, Any] = dict(routing.params)
    if routing.code == "rule":  # the names are data, shown as they were (no queries at display)
        params["category_name"] = _name_of(Category, str(params.get("category") or ""), category)
        params["area_name"] = _name_of(Area, str(params.get("area") or ""), area)
    return Routed(
        unit=units.get(best.unit),
        candidates=list(routing.units),
        ambiguous=routing.ambiguous or best.score < ROUTING_MIN_SCORE,
        reason={
            "code": CATALOGUE,
            "units": list(routing.units),
            "names": {code: unit.name for code, unit in units.items()},
            "route": {"code": routing.code, "params": params},
        },
    )


def _name_of(model: type[Area] | type[Category], code: str, known: Area | Category | None) -> str:
    """The name of the catalogue rule's area or category: the appeal's own when the rule names it,
    else one lookup ("" for a wildcard)."""
    if not code or code == "*":
        return ""
    if known is not None and known.code == code:
        return known.name
    return str(model.objects.filter(code=code).values_list("name", flat=True).first() or "")


def rerouted(record: dict[str, Any] | None, routed: Routed) -> dict[str, Any]:
    """An appeal's stored suggestion (`Suggestion.as_dict`) with its dispatch part replaced by
    `routed` (after a reclassification); the classifier's and the duplicates' parts stay."""
    record = dict(record or {})
    reasons = record.get("reasons")
    if isinstance(reasons, list):
        kept = [r for r in reasons if isinstance(r, dict) and r.get("code") != CATALOGUE]
    else:  # a record from before the codes: its text parts stay as they were written
        old = str(record.pop("reason", "") or "").split("；")
        kept = [{"code": "text", "text": p} for p in old if p and not p.startswith(CATALOGUE_REASON)]
    if routed.reason:
        kept.append(routed.reason)
    record.update(
        unit=routed.unit.code if routed.unit else None,
        unit_candidates=routed.candidates,
        ambiguous=routed.ambiguous,
        reasons=kept,
    )
    return record


def _urgency_part(text: str, suggestion: Suggestion, reasons: list[dict[str, Any]]) -> None:
    try:
        from lianxin.triage.urgency import assess_urgency

        urgency = assess_urgency(text)
        suggestion.urgency = urgency.level
        suggestion.urgency_triggers = list(urgency.triggers)
        if urgency.triggers:
            reasons.append({"code": "urgency", "terms": list(urgency.triggers)})
    except Exception as exc:  # the engine must never stop intake
        logger.exception("Urgency assessment failed")
        suggestion.error = f"urgency: {exc.__class__.__name__}"


def _prediction_part(
    prediction: Any,
    suggestion: Suggestion,
    reasons: list[dict[str, Any]],
    category_for_label: Any = None,
    *,
    text: str = "",
) -> None:
    suggestion.category_top = [(str(label), float(conf)) for label, conf in prediction.top]
    suggestion.abstained = bool(prediction.abstained)
    if not prediction.abstained and prediction.label:
        predicted = (category_for_label or _category_for_label)(str(prediction.label))
        if predicted is not None:
            suggestion.category = predicted
            suggestion.category_confidence = float(prediction.top[0][1]) if prediction.top else 0.0
            reasons.append(
                {
                    "code": "model",
                    "category": predicted.code,
                    "name": predicted.name,
                    "confidence": round(suggestion.category_confidence, 4),
                }
            )
            leaf, terms = descend_to_leaf(predicted, text)
            if leaf is not None:
                suggestion.category = leaf
                reasons.append({"code": "leaf", "category": leaf.code, "name": leaf.name, "terms": terms})


def _name_terms(name: str) -> list[str]:
    """What of a category's name an appeal's text would say: the name, and for a longer name its
    two-character halves (路灯照明: 路灯, 照明)."""
    name = name.strip()
    terms = [name] if len(name) >= 2 else []
    if len(name) >= 4:
        terms += [name[:2], name[-2:]]
    return terms


def descend_to_leaf(
    category: Category, text: str, *, max_depth: int = 3
) -> tuple[Category | None, list[str]]:
    """Below the category the model is sure of (its labels are the top level of the tree), the
    subcategory the text names, level by level, as long as exactly one child is named: the
    suggestion stops at the deepest category that is certain (a leaf when the text says which),
    never at a guess between siblings. Returns (None, []) when no child is named."""
    found: Category | None = None
    terms: list[str] = []
    current = category
    for _level in range(max_depth):
        if not text:
            break
        named = []
        for child in Category.objects.filter(parent=current, active=True).order_by("path"):
            hits = [t for t in _name_terms(child.name) if t in text]
            if hits:
                named.append((child, hits))
        if len(named) != 1:
            break
        current, hits = named[0]
        found, terms = current, terms + [h for h in hits if h not in terms]
    return found, terms


def _classifier_error(suggestion: Suggestion, exc: BaseException) -> None:
    if isinstance(exc, FutureTimeout):
        logger.warning("Category prediction exceeded its time budget; the appeal waits for a dispatcher")
        suggestion.error = (suggestion.error + " classifier: timeout").strip()
    else:
        logger.error("Category prediction failed", exc_info=exc)
        suggestion.error = (suggestion.error + f" classifier: {exc.__class__.__name__}").strip()


def _routing_part(
    chosen: Category | None,
    area: Area | None,
    suggestion: Suggestion,
    reasons: list[dict[str, Any]],
    router: Any = None,
) -> None:
    try:
        routed = (router or route_unit)(chosen, area)
        suggestion.unit, suggestion.unit_candidates, suggestion.ambiguous = (
            routed.unit,
            routed.candidates,
            routed.ambiguous,
        )
        if routed.reason:
            reasons.append(routed.reason)
    except Exception as exc:
        logger.exception("Routing failed")
        suggestion.error = (suggestion.error + f" routing: {exc.__class__.__name__}").strip()


def _duplicates_part(hints: list[Any], suggestion: Suggestion, reasons: list[dict[str, Any]]) -> None:
    suggestion.duplicates = [
        {"tracking_number": h.tracking_number, "score": h.score, "same_phone": h.same_phone} for h in hints
    ]
    suggestion.repeat_appellant = any(h.same_phone for h in hints)
    if hints:
        reasons.append({"code": "duplicates", "tracking_numbers": [h.tracking_number for h in hints[:3]]})


def suggest(text: str, *, category: Category | None, area: Area | None, phone: str = "") -> Suggestion:
    started = time.perf_counter()
    suggestion = Suggestion()
    reasons: list[dict[str, Any]] = []
    _urgency_part(text, suggestion, reasons)
    chosen = category
    try:
        model = load_model()
        if model is not None:
            budget = float(settings.LIANXIN.get("TRIAGE_TIME_BUDGET_SECONDS", 1.0))
            _prediction_part(
                _pool.submit(model.predict, text).result(timeout=budget), suggestion, reasons, text=text
            )
            if chosen is None:
                chosen = suggestion.category
    except Exception as exc:
        _classifier_error(suggestion, exc)
    if category is not None:
        suggestion.category_confidence = 1.0
    _routing_part(chosen, area, suggestion, reasons)
    try:
        from .duplicate_index import recent_index

        _duplicates_part(
            recent_index().check(text, area_path=area.path if area else None, phone=phone),
            suggestion,
            reasons,
        )
    except Exception as exc:
        logger.exception("Duplicate lookup failed")
        suggestion.error = (suggestion.error + f" duplicates: {exc.__class__.__name__}").strip()
    suggestion.reasons = reasons
    suggestion.elapsed_ms = (time.perf_counter() - started) * 1000
    return suggestion


@dataclass
class SuggestInput:
    text: str
    category: Category | None
    area: Area | None
    phone: str = ""


def suggest_many(inputs: list[SuggestInput]) -> list[Suggestion]:  # noqa: C901  # the batch form of `suggest`, step by step
    """`suggest` for many new appeals at once (a bulk intake), with the same outcome for each as if
    they had come one after another: the classifier over all texts in one call, each category label
    and each (category, area) routing looked up once, and each text checked for duplicates among
    recent appeals and the batch's earlier items (`AppealsIndex.check_many`)."""
    started = time.perf_counter()
    suggestions = [Suggestion() for _ in inputs]
    reasons: list[list[dict[str, Any]]] = [[] for _ in inputs]
    for item, suggestion, why in zip(inputs, suggestions, reasons, strict=True):
        _urgency_part(item.text, suggestion, why)
    chosen = [item.category for item in inputs]
    try:
        model = load_model()
        if model is not None and inputs:
            budget = float(settings.LIANXIN.get("TRIAGE_TIME_BUDGET_SECONDS", 1.0)) * max(
                1.0, len(inputs) / 50
            )
            predictions = _pool.submit(model.predict_many, [i.text for i in inputs]).result(timeout=budget)
            labels: dict[str, Category | None] = {}

            def category_for_label(label: str) -> Category | None:
                if label not in labels:
                    labels[label] = _category_for_label(label)
                return labels[label]

            for n, (prediction, suggestion, why) in enumerate(
                zip(predictions, suggestions, reasons, strict=True)
            ):
                _prediction_part(prediction, suggestion, why, category_for_label, text=inputs[n].text)
                if chosen[n] is None:
                    chosen[n] = suggestion.category
    except Exception as exc:
        for suggestion in suggestions:
            _classifier_error(suggestion, exc)
    routes: dict[tuple[int | None, int | None], Routed] = {}

    def router(category: Category | None, area: Area | None) -> Routed:
        key = (category.pk if category else None, area.pk if area else None)
        if key not in routes:
            routes[key] = route_unit(category, area)
        return routes[key]

    for n, (item, suggestion, why) in enumerate(zip(inputs, suggestions, reasons, strict=True)):
        if item.category is not None:
            suggestion.category_confidence = 1.0
        _routing_part(chosen[n], item.area, suggestion, why, router)
    try:
        from .duplicate_index import recent_index

        all_hints = recent_index().check_many(
            [i.text for i in inputs],
            area_paths=[i.area.path if i.area else None for i in inputs],
            phones=[i.phone for i in inputs],
        )
        for hints, suggestion, why in zip(all_hints, suggestions, reasons, strict=True):
            _duplicates_part(hints, suggestion, why)
    except Exception as exc:
        logger.exception("Duplicate lookup failed")
        for suggestion in suggestions:
            suggestion.error = (suggestion.error + f" duplicates: {exc.__class__.__name__}").strip()
    elapsed = (time.perf_counter() - started) * 1000 / max(len(inputs), 1)
    for suggestion, why in zip(suggestions, reasons, strict=True):
        suggestion.reasons = why
        suggestion.elapsed_ms = elapsed  # the batch's time, shared out
    return suggestions


def warm_up() -> None:
    """Load the model and build the recent-appeals index now, so the first intake does not wait.
    Called in a background thread when a server process starts; failures are only logged."""
    try:
        load_model()
        from .duplicate_index import recent_index

        recent_index().refresh()
    except Exception:
        logger.exception("Triage warm-up failed; the first intake will load what it needs")


def warm_up_in_background() -> None:
    threading.Thread(target=warm_up, name="lianxin-triage-warmup", daemon=True).start()
