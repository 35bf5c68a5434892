"""Honest estimates for the category classifier: near-copies grouped, folds and holdouts by group.

Public appeal data sets hold the same message several times (re-posted, lightly edited, or a raw
message and its pre-segmented copy). A random split puts one copy in training and another in the
test fold and overstates the score. Here every example is first put in a group with all its near
copies (word-set Jaccard above a threshold, transitively); cross-validation folds and the final
holdout are then drawn by group, so no message is ever scored against a copy of itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .text import STOP_WORDS, clean, tokenize

__all__ = ["grouped_folds", "holdout_split", "near_duplicate_groups"]


def _words(text: str, segmented: bool) -> str:
    if segmented:
        return " ".join(w for w in clean(text).lower().split() if w not in STOP_WORDS)
    return " ".join(tokenize(clean(text).lower()))


def near_duplicate_groups(
    texts: Sequence[str], segmented: Sequence[bool], *, jaccard: float = 0.5, block: int = 1000
) -> np.ndarray:
    """A group id per example: examples whose word sets overlap with Jaccard > ``jaccard``, directly
    or through a chain of such pairs, share a group."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [_words(str(t), bool(s)) for t, s in zip(texts, segmented, strict=True)]
    x = CountVectorizer(analyzer=str.split, binary=True).fit_transform(docs).astype(np.float32).tocsr()
    sizes = np.asarray(x.sum(axis=1)).ravel()
    n = x.shape[0]
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = int(parent[a])
        return a

    xt = x.T.tocsc()
    for lo in range(0, n, block):
        inter = (x[lo : lo + block] @ xt).toarray()
        jac = inter / np.maximum(1, sizes[lo : lo + block, None] + sizes[None, :] - inter)
        for i, j in zip(*np.nonzero(jac > jaccard), strict=True):
            a, b = find(int(i) + lo), find(int(j))
            if a != b:
                parent[a] = b
    return np.array([find(i) for i in range(n)])


def holdout_split(
    groups: np.ndarray, scored: np.ndarray, *, share: float = 0.2, seed: int = 20261203
) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices: ``share`` of the groups that hold a scored example go to the test side
    (its scored examples only); training keeps every example of the other groups."""
    rng = np.random.RandomState(seed)
    candidates = np.unique(groups[scored])
    held = set(rng.choice(candidates, size=max(1, int(share * len(candidates))), replace=False).tolist())
    in_held = np.array([g in held for g in groups.tolist()])
    return np.nonzero(~in_held)[0], np.nonzero(in_held & scored)[0]


def grouped_folds(
    pool: np.ndarray, labels: np.ndarray, groups: np.ndarray, scored: np.ndarray, *, folds: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified group k-fold over the scored examples of ``pool``: each fold's test side is scored
    examples; its training side is every example of ``pool`` outside the test groups."""
    from sklearn.model_selection import StratifiedGroupKFold

    test_pool = pool[scored[pool]]
    sgk = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = []
    for _, te in sgk.split(test_pool, labels[test_pool], groups[test_pool]):
        test = test_pool[te]
        test_groups = set(groups[test].tolist())
        train = np.array([i for i in pool.tolist() if groups[i] not in test_groups], dtype=np.int64)
        out.append((train, test))
    return out
