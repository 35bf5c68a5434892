"""Category classifier: learns any label set from labelled appeals.

Features: character 1-3-gram TF-IDF over the PII-masked, normalised, lower-cased *raw* text
(punctuation and stop words included; no word segmentation at prediction time). Model: one linear
SVM whose scores are calibrated into probabilities by one sigmoid per label, fitted on out-of-fold
scores at training time (so prediction costs one model, not five). The trained model is compiled to
plain arrays (:mod:`lianxin.triage.linear`) and scores one appeal in about a millisecond.

The confidence of the top label can be compared with a threshold: below it, or when too few of the
text's letter/CJK bigrams were ever seen in training (gibberish, another language, out of domain),
the prediction *abstains* and the appeal waits for a person. See docs/adr/0003-triage-classifier.md
and docs/benchmarks.md ("Triage engine") for the measured choices.

Pre-segmented training data (space-separated words, stop words removed, like the wenzheng
``text_seg`` column) is accepted next to raw text: its words, joined without spaces, feed the same
character features.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import pickle
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .linear import CompiledLinear, fit_compiled
from .text import STOP_WORDS, clean

ENGINE_VERSION = "2.0.0"
FORMAT_VERSION = 2
MAGIC = b"LIANXIN-TRIAGE-MODEL\n"

__all__ = [
    "ENGINE_VERSION",
    "FORMAT_VERSION",
    "Model",
    "ModelFormatError",
    "Prediction",
    "TrainOptions",
    "cross_validate",
    "load_model",
    "train_model",
]


class ModelFormatError(ValueError):
    """The file is not a triage model this engine can read."""


class TrainingDataError(ValueError):
    """The training examples cannot train a classifier (empty, one class, mismatched lengths)."""


@dataclass(frozen=True)
class Prediction:
    top: list[tuple[str, float]]
    abstained: bool
    label: str | None
    reason: str = ""

    @property
    def confidence(self) -> float:
        return self.top[0][1] if self.top else 0.0


@dataclass
class TrainOptions:
    """Knobs of :func:`train_model` (defaults are the measured best on the wenzheng data)."""

    char_ngrams: tuple[int, int] = (1, 3)
    char_min_df: int = 2
    max_char_features: int | None = None
    sublinear_tf: bool = False
    max_chars: int = 600  # only the first characters (title and opening) are classified: bounded cost
    C: float = 2.0
    nb_alpha: float | None = 0.05  # NB log-count-ratio scaling per label (None: a plain LinearSVC)
    balanced: bool = False  # class_weight="balanced" for the SVM
    calibration_folds: int = 3
    threshold: float = 0.5  # abstain when the top calibrated probability is below this
    min_known_words: int = 2  # abstain when fewer known letter/CJK bigrams than this ...
    min_known_ratio: float = 0.25  # ... or when this share of them is unknown
    segmented_weight: float = 1.0  # sample weight of pre-segmented examples
    random_state: int = 0


def prepare(
    texts: Sequence[str], segmented: Sequence[bool] | bool = False, *, max_chars: int | None = None
) -> list[str]:
    """The text each example is featurised from: the cleaned, lower-cased raw text, or for a
    pre-segmented example its non-stop words joined without spaces; cut to ``max_chars``."""
    seg_flags = [segmented] * len(texts) if isinstance(segmented, bool) else list(segmented)
    out = []
    for t, is_seg in zip(texts, seg_flags, strict=True):
        if is_seg:
            out.append("".join(w for w in clean(str(t)).lower().split() if w not in STOP_WORDS)[:max_chars])
        else:
            out.append(clean(str(t)[:max_chars]).lower())
    return out


class Model:
    """A trained category classifier. Build with :func:`train_model`, persist with :meth:`save`."""

    def __init__(self, linear: CompiledLinear, options: TrainOptions, summary: dict[str, Any]) -> None:
        self.linear = linear
        self.options = options
        self.summary = summary
        self.labels: list[str] = list(linear.labels)

    # --- prediction ------------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str], segmented: bool = False) -> np.ndarray:
        lin = self.linear
        rows = []
        for doc in prepare(texts, segmented, max_chars=self.options.max_chars):
            ind, vals, _ = lin.features(doc)
            rows.append(lin.proba_from_scores(lin.scores(ind, vals)))
        return np.vstack(rows) if rows else np.zeros((0, len(self.labels)))

    def predict(self, text: str, *, threshold: float | None = None, k: int = 3) -> Prediction:
        """Top-``k`` labels with calibrated confidence; abstains below ``threshold`` or out of domain."""
        doc = prepare([text], max_chars=self.options.max_chars)[0]
        return self._predict_doc(doc, self.options.threshold if threshold is None else threshold, k)

    def predict_many(
        self, texts: Sequence[str], *, threshold: float | None = None, k: int = 3, segmented: bool = False
    ) -> list[Prediction]:
        thr = self.options.threshold if threshold is None else threshold
        docs = prepare(texts, segmented, max_chars=self.options.max_chars)
        return [self._predict_doc(doc, thr, k) for doc in docs]

    def _predict_doc(self, doc: str, thr: float, k: int) -> Prediction:
        lin = self.linear
        ind, vals, counts = lin.features(doc)
        proba = lin.proba_from_scores(lin.scores(ind, vals))
        order = np.argsort(-proba, kind="stable")[:k]
        top = [(self.labels[j], float(proba[j])) for j in order]
        known, total = lin.known_bigrams(counts)
        if known < self.options.min_known_words or known < self.options.min_known_ratio * total:
            return Prediction(top, True, None, f"out of domain: {known} of {total} character pairs known")
        if top[0][1] < thr:
            return Prediction(top, True, None, f"low confidence {top[0][1]:.2f} < {thr:.2f}")
        return Prediction(top, False, top[0][0], "")

    # --- persistence -----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model (header + pickle of plain arrays) and a JSON
        summary beside it (``<path>.json``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"format": FORMAT_VERSION, "engine_version": ENGINE_VERSION, "labels": self.labels}
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        body = {"linear": self.linear.to_state(), "options": asdict(self.options), "summary": self.summary}
        pickle.dump(body, buf, protocol=pickle.HIGHEST_PROTOCOL)
        data = buf.getvalue()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        summary = dict(
            self.summary, format=FORMAT_VERSION, sha256=hashlib.sha256(data).hexdigest(), model_file=path.name
        )
        path.with_name(path.name + ".json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return path


def load_model(path: str | Path) -> Model:
    """Load a model written by :meth:`Model.save`; refuse other files and unknown format versions.

    Only load model files you trained yourself: the body is a pickle.
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ModelFormatError(f"cannot open model file {path}: {exc.strerror or exc}") from exc
    with fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise ModelFormatError(f"{path} is not a Lianxin triage model (bad magic header)")
        try:
            header = json.loads(fh.readline().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{path}: unreadable model header") from exc
        fmt = header.get("format")
        if fmt != FORMAT_VERSION:
            raise ModelFormatError(
                f"{path} has model format version {fmt!r} "
                f"(written by engine {header.get('engine_version')!r}); "
                f"this engine ({ENGINE_VERSION}) reads format {FORMAT_VERSION} only — "
                "retrain it with `lianxin triage train`"
            )
        body = pickle.load(fh)
    known = set(TrainOptions.__dataclass_fields__)
    fields: dict[str, Any] = {
        k: (tuple(v) if isinstance(v, list) else v) for k, v in body["options"].items() if k in known
    }
    return Model(CompiledLinear.from_state(body["linear"]), TrainOptions(**fields), body["summary"])


# --- training ------------------------------------------------------------------------------------


def _validate(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise TrainingDataError(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise TrainingDataError("no training examples")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingDataError(
            f"only one class ({next(iter(counts))!r}): a classifier needs at least two labels"
        )


def fit_docs(
    docs: Sequence[str], labels: Sequence[str], weights: np.ndarray, opts: TrainOptions
) -> CompiledLinear:
    """Train on prepared documents (see :func:`prepare`)."""
    return fit_compiled(
        docs,
        labels,
        weights,
        ngram=tuple(opts.char_ngrams),  # type: ignore[arg-type]
        min_df=opts.char_min_df,
        max_features=opts.max_char_features,
        sublinear_tf=opts.sublinear_tf,
        C=opts.C,
        class_weight="balanced" if opts.balanced else None,
        calibration_folds=opts.calibration_folds,
        nb_alpha=opts.nb_alpha,
        random_state=opts.random_state,
    )


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    segmented: Sequence[bool] | bool = False,
    options: TrainOptions | None = None,
    cv: int = 0,
    sources: list[str] | None = None,
    **overrides: Any,
) -> Model:
    """Train a category classifier on ``texts`` and their ``labels``.

    ``segmented`` marks examples that are already word-segmented (space-separated); pass a list to
    mix raw and segmented examples. Keyword ``overrides`` set :class:`TrainOptions` fields
    (e.g. ``threshold=0.6``). With ``cv >= 2`` a stratified cross-validation on the *raw* examples
    is run first and its scores stored in the summary.
    """
    opts = options or TrainOptions()
    for k, v in overrides.items():
        if not hasattr(opts, k):
            raise TypeError(f"unknown training option {k!r}")
        setattr(opts, k, v)
    labels = [str(lab) for lab in labels]
    texts = [str(t) for t in texts]
    _validate(texts, labels)
    seg_flags = [segmented] * len(texts) if isinstance(segmented, bool) else list(segmented)
    if len(seg_flags) != len(texts):
        raise TrainingDataError("segmented flags and texts differ in length")
    started = time.perf_counter()
    cv_scores = None
    if cv >= 2:
        cv_scores = cross_validate(texts, labels, segmented=seg_flags, folds=cv, options=opts)
    docs = prepare(texts, seg_flags, max_chars=opts.max_chars)
    weights = np.array([opts.segmented_weight if s else 1.0 for s in seg_flags])
    linear = fit_docs(docs, labels, weights, opts)
    counts = Counter(labels)
    summary: dict[str, Any] = {
        "engine_version": ENGINE_VERSION,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "labels": sorted(counts),
        "counts": dict(sorted(counts.items())),
        "n_examples": len(texts),
        "n_segmented_examples": int(sum(seg_flags)),
        "n_features": len(linear.vocab),
        "training_seconds": round(time.perf_counter() - started, 2),
        "options": asdict(opts),
        "sources": sources or [],
    }
    if cv_scores is not None:
        summary["cv"] = cv_scores
    return Model(linear, opts, summary)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    segmented: Sequence[bool] | bool = False,
    folds: int = 5,
    options: TrainOptions | None = None,
    random_state: int = 42,
) -> dict[str, Any]:
    """Stratified *group* k-fold CV, scored on the raw (non-segmented) examples only.

    Every example is first grouped with its near copies (word Jaccard > 0.5, raw or segmented,
    :func:`~lianxin.triage.evaluation.near_duplicate_groups`); a fold's test groups are left out of
    its training entirely, so no message is scored against a copy of itself.
    """
    from sklearn.metrics import accuracy_score, f1_score

    from .evaluation import grouped_folds, near_duplicate_groups

    opts = options or TrainOptions()
    seg_flags = [segmented] * len(texts) if isinstance(segmented, bool) else list(segmented)
    docs = prepare(texts, seg_flags, max_chars=opts.max_chars)
    y = np.asarray([str(lab) for lab in labels])
    scored = np.array([not s for s in seg_flags]) if not all(seg_flags) else np.ones(len(texts), dtype=bool)
    groups = near_duplicate_groups(texts, seg_flags)
    k = max(2, min(folds, min(Counter(y[scored]).values())))
    pred: dict[int, str] = {}
    confidence: dict[int, float] = {}
    for train, test in grouped_folds(np.arange(len(texts)), y, groups, scored, folds=k, seed=random_state):
        w = np.array([opts.segmented_weight if seg_flags[i] else 1.0 for i in train])
        lin = fit_docs([docs[i] for i in train], list(y[train]), w, opts)
        for i in test.tolist():
            ind, vals, _ = lin.features(docs[i])
            proba = lin.proba_from_scores(lin.scores(ind, vals))
            pred[i], confidence[i] = lin.labels[int(np.argmax(proba))], float(proba.max())
    idx = sorted(pred)
    truth, guess = y[idx], np.array([pred[i] for i in idx], dtype=object)
    return {
        "folds": k,
        "grouped": True,
        "n_groups": len(np.unique(groups)),
        "n_scored": len(idx),
        "n_extra_segmented": int(sum(seg_flags)),
        "accuracy": round(float(accuracy_score(truth, guess)), 4),
        "macro_f1": round(float(f1_score(truth, guess, average="macro")), 4),
        "by_confidence": confidence_table(truth == guess, np.array([confidence[i] for i in idx])),
    }


CONFIDENCE_STEPS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def confidence_table(correct: np.ndarray, confidence: np.ndarray) -> list[dict[str, float]]:
    """For each threshold: the share of predictions at or above it (``coverage``: the appeals the
    model would label, or auto-dispatch) and their accuracy (``accuracy``; 0 when none is covered).
    What the abstention threshold and `AUTO_DISPATCH_MIN_CONFIDENCE` are chosen from."""
    rows = []
    for t in CONFIDENCE_STEPS:
        covered = confidence >= t
        n = int(covered.sum())
        rows.append(
            {
                "threshold": t,
                "coverage": round(n / len(confidence), 4) if len(confidence) else 0.0,
                "accuracy": round(float(correct[covered].mean()), 4) if n else 0.0,
            }
        )
    return rows


@dataclass
class EvalReport:
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]
    abstained: int = 0
    n: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)  # one appeal at a time, see evaluate()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(
    model: Model, texts: Sequence[str], labels: Sequence[str], *, segmented: bool = False
) -> EvalReport:
    """Accuracy, macro-F1, per-class P/R/F1/support and the confusion matrix (top label, no
    abstention), the number of abstentions at the model's threshold, and the latency of classifying
    one appeal at a time (``latency_ms``: wall-clock p50, p99, max and CPU-time p50, p99 of each
    :meth:`Model.predict` call, cleaning included, as intake calls it)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    truth = [str(lab) for lab in labels]
    pred: list[str] = []
    abstained = 0
    latency: list[float] = []
    cpu: list[float] = []
    for text in texts:
        started, cpu_started = time.perf_counter(), time.process_time()
        p = model.predict_many([text], segmented=True)[0] if segmented else model.predict(text)
        latency.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        pred.append(p.top[0][0])
        abstained += p.abstained
    names = sorted(set(truth) | set(pred))
    p_, r, f, s = precision_recall_fscore_support(truth, pred, labels=names, zero_division=0)
    per_class = {
        n: {
            "precision": round(float(p_[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, n in enumerate(names)
    }
    cm = confusion_matrix(truth, pred, labels=names)
    lat = np.asarray(latency) if latency else np.zeros(1)
    cpu_lat = np.asarray(cpu) if cpu else np.zeros(1)
    return EvalReport(
        accuracy=round(float(accuracy_score(truth, pred)), 4),
        macro_f1=round(
            float(f1_score(truth, pred, labels=sorted(set(truth)), average="macro", zero_division=0)), 4
        ),
        per_class=per_class,
        labels=names,
        confusion=cm.tolist(),
        abstained=abstained,
        n=len(truth),
        latency_ms={
            "p50": round(float(np.percentile(lat, 50)), 3),
            "p99": round(float(np.percentile(lat, 99)), 3),
            "max": round(float(lat.max()), 3),
            # CPU time of the same calls: what one core spends, without the waits of a shared machine
            "cpu_p50": round(float(np.percentile(cpu_lat, 50)), 3),
            "cpu_p99": round(float(np.percentile(cpu_lat, 99)), 3),
            "n": len(latency),
        },
    )
