"""Development-CV harness for category-classifier variants (issue 15; docs/benchmarks.md,
"Category classifier, variants after engine 2.0").

    nice -n 10 .venv/bin/python bench/triage_variants.py [--data-dir ../shared/data/wenzheng] \
        [--variant NAME ...] [--json OUT]

Same protocol as the engine 2.0 table: every labelled example (raw + segmented) grouped with its
near copies (`lianxin.triage.evaluation.near_duplicate_groups`); the final holdout (20 % of the
groups holding a raw message, seed 20261203) is set aside and NEVER scored here; stratified group
5-fold CV (seed 42) over the remaining raw messages, each fold training on every development
example outside its test groups and scoring raw messages only. Scores are the argmax of the
uncalibrated decision values (as the engine 2.0 scratch harness did), macro-F1 and accuracy.

N-gram counts are computed once over all examples; each fold keeps the columns seen in >= 2 of
its training rows and fits the IDF on them, which equals a TfidfVectorizer fitted on the fold.
Word features come from a forward maximum-matching segmenter whose lexicon is learned per fold
from the training side's pre-segmented rows (words of 2-6 characters in >= 2 rows), so no test
message's words reach its fold. Slow on a shared machine: ~2 min per variant on an idle core.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lianxin.triage.evaluation import grouped_folds, holdout_split, near_duplicate_groups
from lianxin.triage.text import STOP_WORDS, clean

_DIGITS = re.compile(r"\d+")


def load(data: Path) -> dict[str, Any]:
    raw = pd.read_csv(data / "train_raw.csv", dtype=str).fillna("")
    seg = pd.read_csv(data / "train_segmented.csv", dtype=str).fillna("")
    texts = raw["text"].tolist() + seg["text_seg"].tolist()
    labels = np.asarray(raw["label"].tolist() + seg["label"].tolist())
    flags = [False] * len(raw) + [True] * len(seg)
    scored = ~np.asarray(flags)
    groups = near_duplicate_groups(texts, flags)
    train, _holdout = holdout_split(groups, scored)  # the holdout is never looked at here
    folds = grouped_folds(train, labels, groups, scored, folds=5, seed=42)
    words = [
        [w for w in clean(t).lower().split() if w not in STOP_WORDS] if s else []
        for t, s in zip(texts, flags, strict=True)
    ]
    docs = ["".join(w) if s else clean(t).lower() for t, s, w in zip(texts, flags, words, strict=True)]
    return {"y": labels, "folds": folds, "docs": docs, "words": words, "flags": flags}


# --- features ------------------------------------------------------------------------------------


def char_grams(text: str, lo: int, hi: int) -> list[str]:
    return [text[i : i + k] for k in range(lo, hi + 1) for i in range(len(text) - k + 1)]


def counts(token_lists: list[list[str]]) -> sp.csr_matrix:
    from sklearn.feature_extraction.text import CountVectorizer

    return (
        CountVectorizer(analyzer=lambda x: x, lowercase=False, dtype=np.float32)
        .fit_transform(token_lists)
        .tocsr()
    )


def tfidf(x: sp.csr_matrix, train: np.ndarray, *, min_df: int = 2, sublinear: bool = False) -> sp.csr_matrix:
    """TF-IDF over all rows with the vocabulary (df >= min_df) and IDF of the ``train`` rows, L2 rows."""
    xt = x[train]
    df = np.asarray((xt > 0).sum(axis=0)).ravel()
    cols = np.nonzero(df >= min_df)[0]
    idf = np.log((1 + xt.shape[0]) / (1 + df[cols])) + 1
    z = x[:, cols].astype(np.float32)
    if sublinear:
        z = z.copy()
        z.data = np.log(z.data) + 1
    z = z.multiply(idf.astype(np.float32)).tocsr()  # type: ignore[attr-defined]  # a sparse matrix: the stubs say ndarray
    norm = np.sqrt(np.asarray(z.multiply(z).sum(axis=1)).ravel())
    norm[norm == 0] = 1
    return (sp.diags(1 / norm).astype(np.float32) @ z).tocsr()


def lexicon(word_lists: list[list[str]], min_docs: int = 2) -> set[str]:
    df: Counter[str] = Counter()
    for ws in word_lists:
        df.update({w for w in ws if 2 <= len(w) <= 6 and not w.isascii()})
    return {w for w, c in df.items() if c >= min_docs}


def fmm(text: str, lex: set[str], longest: int = 4) -> list[str]:
    """Forward maximum matching: at each position the longest lexicon word (else one character)."""
    out, i, n = [], 0, len(text)
    while i < n:
        for k in range(longest, 1, -1):
            w = text[i : i + k]
            if len(w) == k and w in lex:
                out.append(w)
                i += k
                break
        else:
            out.append(text[i])
            i += 1
    return out


def word_grams(text: str, lex: set[str]) -> list[str]:
    ws = [w for w in fmm(text, lex) if len(w) > 1]
    return ["w:" + w for w in ws] + ["b:" + a + "|" + b for a, b in pairwise(ws)]


# --- models (each returns decision values of the test rows, one column per class) -------------------


def nb_svm(
    x: sp.csr_matrix,
    y: np.ndarray,
    classes: np.ndarray,
    *,
    alpha: float = 0.05,
    C: float = 2.0,  # noqa: N803  # scikit-learn's name for the SVM's regularisation
    weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    coefs, icpt = [], []
    for c in classes:
        pos = y == c
        p = alpha + np.asarray(x[pos].sum(axis=0)).ravel()
        q = alpha + np.asarray(x[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        svc = LinearSVC(C=C, random_state=0).fit(x.multiply(r).tocsr(), pos.astype(int), sample_weight=weight)
        coefs.append(svc.coef_.ravel() * r)
        icpt.append(float(svc.intercept_[0]))
    return np.vstack(coefs).T, np.asarray(icpt)


def complement_nb(
    x: sp.csr_matrix, y: np.ndarray, classes: np.ndarray, *, alpha: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.naive_bayes import ComplementNB

    m = ComplementNB(alpha=alpha).fit(x, y)
    assert list(m.classes_) == list(classes)
    return np.asarray(m.feature_log_prob_).T, np.zeros(len(classes))


# --- variants ------------------------------------------------------------------------------------


class Features:
    """Count matrices cached per variant family; word matrices per fold (their lexicon is per fold)."""

    def __init__(self, d: dict[str, Any]) -> None:
        self.d = d
        self._cache: dict[str, Any] = {}

    def chars(self, key: str = "c13_600") -> sp.csr_matrix:
        if key not in self._cache:
            docs = self.d["docs"]
            if key == "c13_600":
                toks = [char_grams(t[:600], 1, 3) for t in docs]
            elif key == "c13_600_digits":
                toks = [
                    char_grams(_DIGITS.sub(lambda m: "0" if len(m.group()) < 3 else "00", t)[:600], 1, 3)
                    for t in docs
                ]
            elif key == "c13_600_lead25":
                toks = [char_grams(t[:600], 1, 3) + ["L" + g for g in char_grams(t[:25], 2, 3)] for t in docs]
            else:
                raise KeyError(key)
            self._cache[key] = counts(toks)
        return self._cache[key]

    def words(self, fold: int) -> sp.csr_matrix:
        key = f"w{fold}"
        if key not in self._cache:
            train = self.d["folds"][fold][0]
            lex = lexicon([self.d["words"][i] for i in train if self.d["flags"][i]])
            self._cache[key] = counts([word_grams(t[:600], lex) for t in self.d["docs"]])
        return self._cache[key]


Scorer = Callable[[Features, int, np.ndarray, np.ndarray], np.ndarray]


def _nb_on(blocks: Callable[[Features, int, np.ndarray], sp.csr_matrix], **kw: Any) -> Scorer:
    def run(f: Features, k: int, train: np.ndarray, test: np.ndarray) -> np.ndarray:
        y = f.d["y"]
        classes = np.unique(y)
        x = blocks(f, k, train)
        coef, icpt = nb_svm(x[train], y[train], classes, **kw)
        return np.asarray(x[test] @ coef) + icpt

    return run


def _cnb_on(blocks: Callable[[Features, int, np.ndarray], sp.csr_matrix], **kw: Any) -> Scorer:
    def run(f: Features, k: int, train: np.ndarray, test: np.ndarray) -> np.ndarray:
        y = f.d["y"]
        x = blocks(f, k, train)
        coef, icpt = complement_nb(x[train], y[train], np.unique(y), **kw)
        return np.asarray(x[test] @ coef) + icpt

    return run


def _chars(key: str = "c13_600") -> Callable[[Features, int, np.ndarray], sp.csr_matrix]:
    return lambda f, k, train: tfidf(f.chars(key), train)


def _chars_words(w: float = 1.0) -> Callable[[Features, int, np.ndarray], sp.csr_matrix]:
    return lambda f, k, train: sp.hstack([tfidf(f.chars(), train), w * tfidf(f.words(k), train)]).tocsr()


VARIANTS: dict[str, Scorer] = {
    "nb_char13_600": _nb_on(_chars()),  # shipped engine 2.0 (uncalibrated)
    "nb_char13_600_digits": _nb_on(_chars("c13_600_digits")),
    "nb_char13_600_lead25": _nb_on(_chars("c13_600_lead25")),
    "nb_char13_words": _nb_on(_chars_words(1.0)),
    "nb_char13_words_w0.7": _nb_on(_chars_words(0.7)),
    "nb_words": _nb_on(lambda f, k, train: tfidf(f.words(k), train)),
    "cnb_char13_words_a0.3": _cnb_on(_chars_words(1.0), alpha=0.3),
}


def macro(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return round(float(f1_score(y, pred, average="macro")), 4), round(float(accuracy_score(y, pred)), 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = Path(__file__).resolve().parents[1]
    # ../shared/ beside the checkout (a worktree may sit one level deeper)
    default = next(
        (
            b / "shared" / "data" / "wenzheng"
            for b in (root.parent, root.parent.parent)
            if (b / "shared" / "data" / "wenzheng").is_dir()
        ),
        root.parent / "shared" / "data" / "wenzheng",
    )
    ap.add_argument("--data-dir", default=str(default))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="default: all")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    d = load(Path(args.data_dir))
    feats = Features(d)
    y, classes = d["y"], np.unique(d["y"])
    results: dict[str, Any] = {}
    for name in args.variant or list(VARIANTS):
        started = time.perf_counter()
        rows, truth = [], []
        for k, (train, test) in enumerate(d["folds"]):
            rows.append(VARIANTS[name](feats, k, train, test))
            truth.append(y[test])
        scores, t = np.vstack(rows), np.concatenate(truth)
        f1, acc = macro(t, classes[np.argmax(scores, axis=1)])
        results[name] = {"macro_f1": f1, "accuracy": acc, "seconds": round(time.perf_counter() - started, 1)}
        print(f"{name}: dev-CV macro-F1 {f1} (acc {acc}) in {results[name]['seconds']} s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
