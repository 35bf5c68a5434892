"""Category classifier: learns any label set from labelled appeals.

Features: character 1-3-gram TF-IDF + jieba word TF-IDF (sublinear tf), over PII-masked,
normalised text. Model: a linear SVM whose scores are calibrated into probabilities
(:class:`~sklearn.calibration.CalibratedClassifierCV`, sigmoid, internal cross-validation), so the
confidence of the top label can be compared with a threshold: below it, or when the text has too
few known words (gibberish, another language, out of domain), the prediction *abstains* and the
appeal waits for a person. See docs/adr/0003-triage-classifier.md for the measured choices.

Pre-segmented training data (space-separated words, stop words removed, like the wenzheng
``text_seg`` column) is accepted next to raw text: its words feed the word features directly and
its joined characters the character features.
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
import scipy.sparse as sp

from .text import STOP_WORDS, clean, tokenize

ENGINE_VERSION = "1.0.0"
FORMAT_VERSION = 1
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
    word_min_df: int = 1
    max_char_features: int | None = 300_000
    C: float = 0.5
    calibration_folds: int = 5
    threshold: float = 0.5  # abstain when the top calibrated probability is below this
    min_known_words: int = 2  # abstain when fewer known words than this ...
    min_known_ratio: float = 0.25  # ... or when this share of the words is unknown
    segmented_weight: float = 1.0  # sample weight of pre-segmented examples
    random_state: int = 0


@dataclass
class _Docs:
    chars: list[str]
    words: list[str]  # space-joined tokens


def _prepare(texts: Sequence[str], segmented: Sequence[bool] | bool = False) -> _Docs:
    seg_flags = [segmented] * len(texts) if isinstance(segmented, bool) else list(segmented)
    chars, words = [], []
    for t, is_seg in zip(texts, seg_flags, strict=True):
        if is_seg:
            toks = [w.lower() for w in clean(str(t)).split() if w and w.lower() not in STOP_WORDS]
        else:
            toks = tokenize(clean(str(t)).lower())
        words.append(" ".join(toks))
        chars.append("".join(toks))
    return _Docs(chars, words)


def _split(s: str) -> list[str]:
    return s.split()


class Model:
    """A trained category classifier. Build with :func:`train_model`, persist with :meth:`save`."""

    def __init__(
        self, char_vec: Any, word_vec: Any, clf: Any, options: TrainOptions, summary: dict[str, Any]
    ) -> None:
        self.char_vec = char_vec
        self.word_vec = word_vec
        self.clf = clf
        self.options = options
        self.summary = summary
        self.labels: list[str] = [str(c) for c in clf.classes_]
        self._word_vocab: dict[str, int] = word_vec.vocabulary_

    # --- prediction ------------------------------------------------------------------------------

    def _features(self, docs: _Docs) -> sp.csr_matrix:
        return sp.hstack([self.char_vec.transform(docs.chars), self.word_vec.transform(docs.words)]).tocsr()

    def predict_proba(self, texts: Sequence[str], segmented: bool = False) -> np.ndarray:
        return np.asarray(self.clf.predict_proba(self._features(_prepare(texts, segmented))))

    def predict(self, text: str, *, threshold: float | None = None, k: int = 3) -> Prediction:
        """Top-``k`` labels with calibrated confidence; abstains below ``threshold`` or out of domain."""
        return self.predict_many([text], threshold=threshold, k=k)[0]

    def predict_many(
        self, texts: Sequence[str], *, threshold: float | None = None, k: int = 3, segmented: bool = False
    ) -> list[Prediction]:
        thr = self.options.threshold if threshold is None else threshold
        docs = _prepare(texts, segmented)
        proba = np.asarray(self.clf.predict_proba(self._features(docs)))
        out = []
        for i, words in enumerate(docs.words):
            order = np.argsort(-proba[i])[:k]
            top = [(self.labels[j], float(proba[i, j])) for j in order]
            toks = words.split()
            known = sum(1 for w in toks if w in self._word_vocab)
            if known < self.options.min_known_words or known < self.options.min_known_ratio * len(toks):
                out.append(Prediction(top, True, None, f"out of domain: {known} of {len(toks)} words known"))
            elif top[0][1] < thr:
                out.append(Prediction(top, True, None, f"low confidence {top[0][1]:.2f} < {thr:.2f}"))
            else:
                out.append(Prediction(top, False, top[0][0], ""))
        return out

    # --- persistence -----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model (header + pickle) and a JSON summary beside it (``<path>.json``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"format": FORMAT_VERSION, "engine_version": ENGINE_VERSION, "labels": self.labels}
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        body = {
            "char_vec": self.char_vec,
            "word_vec": self.word_vec,
            "clf": self.clf,
            "options": asdict(self.options),
            "summary": self.summary,
        }
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
                f"{path} has model format version {fmt!r} (written by engine {header.get('engine_version')!r}); "
                f"this engine ({ENGINE_VERSION}) reads format {FORMAT_VERSION} only — retrain it with `lianxin triage train`"
            )
        body = pickle.load(fh)
    fields: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in body["options"].items()}
    options = TrainOptions(**fields)
    return Model(body["char_vec"], body["word_vec"], body["clf"], options, body["summary"])


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


def _fit(docs: _Docs, labels: Sequence[str], weights: np.ndarray, opts: TrainOptions) -> tuple[Any, Any, Any]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    n = len(docs.chars)
    char_vec = TfidfVectorizer(
        analyzer="char",
        ngram_range=opts.char_ngrams,
        sublinear_tf=True,
        min_df=opts.char_min_df if n >= 50 else 1,
        max_features=opts.max_char_features,
        dtype=np.float32,
    )
    word_vec = TfidfVectorizer(
        analyzer=_split,
        sublinear_tf=True,
        min_df=opts.word_min_df if n >= 50 else 1,
        dtype=np.float32,
    )
    x = sp.hstack([char_vec.fit_transform(docs.chars), word_vec.fit_transform(docs.words)]).tocsr()
    counts = Counter(labels)
    folds = max(2, min(opts.calibration_folds, min(counts.values())))
    svc = LinearSVC(C=opts.C, class_weight="balanced", random_state=opts.random_state)
    clf: Any
    if min(counts.values()) >= 2:
        clf = CalibratedClassifierCV(svc, method="sigmoid", cv=folds)
    else:  # too few examples of a class for internal CV: a softmax over the SVM scores
        clf = _PrefitCalibrated(svc)
    clf.fit(x, np.asarray(labels), sample_weight=weights)
    return char_vec, word_vec, clf


class _PrefitCalibrated:
    """Fallback for tiny data sets (a class with one example): softmax over SVM scores."""

    def __init__(self, est: Any) -> None:
        self.est = est

    def fit(self, x: Any, y: np.ndarray, sample_weight: np.ndarray | None = None) -> _PrefitCalibrated:
        self.est.fit(x, y, sample_weight=sample_weight)
        self.classes_ = self.est.classes_
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        s = np.asarray(self.est.decision_function(x), dtype=np.float64)
        if s.ndim == 1:
            s = np.column_stack([-s, s])
        e = np.exp(2.0 * (s - s.max(axis=1, keepdims=True)))
        return np.asarray(e / e.sum(axis=1, keepdims=True))


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
    docs = _prepare(texts, seg_flags)
    weights = np.array([opts.segmented_weight if s else 1.0 for s in seg_flags])
    char_vec, word_vec, clf = _fit(docs, labels, weights, opts)
    counts = Counter(labels)
    summary: dict[str, Any] = {
        "engine_version": ENGINE_VERSION,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "labels": sorted(counts),
        "counts": dict(sorted(counts.items())),
        "n_examples": len(texts),
        "n_segmented_examples": int(sum(seg_flags)),
        "n_features": int(len(char_vec.vocabulary_) + len(word_vec.vocabulary_)),
        "training_seconds": round(time.perf_counter() - started, 2),
        "options": asdict(opts),
        "sources": sources or [],
    }
    if cv_scores is not None:
        summary["cv"] = cv_scores
    return Model(char_vec, word_vec, clf, opts, summary)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    segmented: Sequence[bool] | bool = False,
    folds: int = 5,
    options: TrainOptions | None = None,
    random_state: int = 42,
) -> dict[str, Any]:
    """Stratified k-fold CV scored on the raw (non-segmented) examples only.

    Segmented examples always stay in the training side; any of them that is a near copy of a raw
    test example (word Jaccard > 0.5) is left out of that fold's training, so the score is not
    inflated by leakage.
    """
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    opts = options or TrainOptions()
    seg_flags = [segmented] * len(texts) if isinstance(segmented, bool) else list(segmented)
    docs = _prepare(texts, seg_flags)
    y = np.asarray([str(lab) for lab in labels])
    raw_idx = np.array([i for i, s in enumerate(seg_flags) if not s])
    seg_idx = np.array([i for i, s in enumerate(seg_flags) if s], dtype=np.int64)
    if len(raw_idx) == 0:
        raw_idx, seg_idx = np.arange(len(texts)), np.zeros(0, dtype=np.int64)
    near = (
        _near_copies(docs, raw_idx, seg_idx) if len(seg_idx) else [np.zeros(0, dtype=np.int64)] * len(raw_idx)
    )
    k = max(2, min(folds, min(Counter(y[raw_idx]).values())))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
    pred = np.empty(len(raw_idx), dtype=object)
    confidence = np.zeros(len(raw_idx))
    for tr, te in skf.split(raw_idx, y[raw_idx]):
        excluded = set(np.concatenate([near[i] for i in te]).tolist()) if len(seg_idx) else set()
        train = np.concatenate(
            [raw_idx[tr], np.array([j for j in seg_idx if j not in excluded], dtype=np.int64)]
        )
        sub = _Docs([docs.chars[i] for i in train], [docs.words[i] for i in train])
        w = np.array([opts.segmented_weight if seg_flags[i] else 1.0 for i in train])
        cv_, wv_, clf = _fit(sub, list(y[train]), w, opts)
        test = _Docs([docs.chars[raw_idx[i]] for i in te], [docs.words[raw_idx[i]] for i in te])
        x = sp.hstack([cv_.transform(test.chars), wv_.transform(test.words)]).tocsr()
        proba = clf.predict_proba(x)
        pred[te] = clf.classes_[np.argmax(proba, axis=1)]
        confidence[te] = proba.max(axis=1)
    truth = y[raw_idx]
    return {
        "folds": k,
        "n_scored": len(raw_idx),
        "n_extra_segmented": len(seg_idx),
        "accuracy": round(float(accuracy_score(truth, pred)), 4),
        "macro_f1": round(float(f1_score(truth, pred, average="macro")), 4),
        "by_confidence": confidence_table(truth == pred, confidence),
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
        rows.append({
            "threshold": t,
            "coverage": round(n / len(confidence), 4) if len(confidence) else 0.0,
            "accuracy": round(float(correct[covered].mean()), 4) if n else 0.0,
        })
    return rows


def _near_copies(
    docs: _Docs, raw_idx: np.ndarray, seg_idx: np.ndarray, jaccard: float = 0.5
) -> list[np.ndarray]:
    """For each raw example, the segmented examples that are (nearly) the same message."""
    from sklearn.feature_extraction.text import CountVectorizer

    cv = CountVectorizer(analyzer=_split, binary=True)
    cv.fit([docs.words[i] for i in raw_idx] + [docs.words[i] for i in seg_idx])
    a = cv.transform([docs.words[i] for i in raw_idx])
    b = cv.transform([docs.words[i] for i in seg_idx])
    la = np.asarray(a.sum(axis=1)).ravel()
    lb = np.asarray(b.sum(axis=1)).ravel()
    out: list[np.ndarray] = []
    bt = b.T.tocsc()
    for lo in range(0, a.shape[0], 512):
        inter = (a[lo : lo + 512] @ bt).toarray()
        jac = inter / np.maximum(1, la[lo : lo + 512, None] + lb[None, :] - inter)
        out.extend(seg_idx[np.nonzero(row > jaccard)[0]] for row in jac)
    return out


@dataclass
class EvalReport:
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]
    abstained: int = 0
    n: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(
    model: Model, texts: Sequence[str], labels: Sequence[str], *, segmented: bool = False
) -> EvalReport:
    """Accuracy, macro-F1, per-class P/R/F1/support and the confusion matrix (top label, no abstention)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    truth = [str(lab) for lab in labels]
    preds = model.predict_many(texts, segmented=segmented, threshold=0.0)
    pred = [p.top[0][0] for p in preds]
    abstained = sum(1 for p in model.predict_many(texts, segmented=segmented) if p.abstained)
    names = sorted(set(truth) | set(pred))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=names, zero_division=0)
    per_class = {
        n: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, n in enumerate(names)
    }
    cm = confusion_matrix(truth, pred, labels=names)
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
    )
