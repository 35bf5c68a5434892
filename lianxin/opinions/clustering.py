"""Base clusters and opinion groups, as Pol.is forms them.

Placed participants are first grouped into up to 100 small *base clusters* by k-means on their 2-D
projection; the base clusters (their centres, weighted by their sizes) are then clustered into k
opinion groups for every k from 2 to max_groups, and k is chosen by the silhouette coefficient of
the base clusters. Plain argmax-silhouette picks too many groups on real conversations (with 100
points in 2-D a third or fourth split of a large blob scores about as well as the main divide), and
Pol.is itself only moves to a new k after it has won several recomputations in a row. Here that
inertia is a margin: a larger k replaces the current choice only if its silhouette is higher by at
least `K_MARGIN`, and only if it wins on every one of several independent clusterings (different
k-means starts), so a k that is best by luck of the start is not taken.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

BASE_K = 100
K_MARGIN = 0.05
K_RESTARTS = 5


@dataclass
class BaseClusters:
    labels: np.ndarray  # base cluster of each placed participant
    centers: np.ndarray  # (n_base, 2)
    sizes: np.ndarray  # members per base cluster


@dataclass
class GroupChoice:
    k: int
    labels: np.ndarray  # group of each base cluster (0..k-1, arbitrary order)
    silhouettes: dict[int, float]  # mean over restarts, for the record


def base_clusters(points: np.ndarray, *, seed: int, base_k: int = BASE_K) -> BaseClusters:
    distinct = np.unique(np.round(points, 9), axis=0)  # float noise would overcount duplicates
    k = min(base_k, len(distinct))
    if k <= 1:
        return BaseClusters(
            np.zeros(len(points), dtype=int), points.mean(axis=0, keepdims=True), np.array([len(points)])
        )
    with warnings.catch_warnings():  # near-duplicate points: fewer distinct clusters is fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = KMeans(n_clusters=k, n_init=1, random_state=seed, max_iter=100).fit(points)
    labels = km.labels_
    used = np.unique(labels)  # k-means may leave a cluster empty: renumber
    remap = np.full(k, -1)
    remap[used] = np.arange(len(used))
    labels = remap[labels]
    centers = np.vstack([points[labels == i].mean(axis=0) for i in range(len(used))])
    return BaseClusters(labels, centers, np.bincount(labels))


def silhouette(dist: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """Silhouette over the base clusters, each weighted by its size (a base cluster of 40 people
    counts for more than one of 2); a member of a singleton group scores 0, as in Pol.is."""
    n, k = len(labels), int(labels.max()) + 1
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    group_w = weights @ onehot  # total weight per group
    sums = dist @ (onehot * weights[:, None])  # weighted distance sums to each group
    own_w = group_w[labels] - weights  # own group without oneself
    a = np.divide(sums[np.arange(n), labels], own_w, out=np.zeros(n), where=own_w > 0)
    other = sums / group_w
    other[np.arange(n), labels] = np.inf
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    scores = np.divide(b - a, denom, out=np.zeros(n), where=(denom > 0) & (own_w > 0))
    return float(scores @ weights / weights.sum())


def max_k(n_base: int, max_groups: int) -> int:
    """Pol.is: at most 2 + n_base_clusters / 12 groups, and never more than max_groups."""
    return max(0, min(max_groups, 2 + n_base // 12, n_base))


def choose_groups(base: BaseClusters, *, max_groups: int, seed: int) -> GroupChoice:
    n_base = len(base.centers)
    top = max_k(n_base, max_groups)
    if top < 2:
        return GroupChoice(1, np.zeros(n_base, dtype=int), {})
    dist = cdist(base.centers, base.centers)
    weights = base.sizes.astype(np.float64)
    runs: dict[int, list[tuple[float, np.ndarray]]] = {}
    for k in range(2, top + 1):
        for r in range(K_RESTARTS):
            km = KMeans(n_clusters=k, n_init=4, random_state=seed * 7919 + r, max_iter=100)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                labels = km.fit(base.centers, sample_weight=weights).labels_
            score = -1.0 if len(np.unique(labels)) < k else silhouette(dist, labels, weights)
            runs.setdefault(k, []).append((score, labels))
    chosen = pick_k({k: [score for score, _ in v] for k, v in runs.items()})
    score, labels = max(runs[chosen], key=lambda pair: pair[0])
    sil = {k: float(np.mean([s for s, _ in v])) for k, v in runs.items()}
    return GroupChoice(chosen, labels, sil)


def pick_k(scores: dict[int, list[float]], margin: float = K_MARGIN) -> int:
    """The smallest k, unless a larger one beats the current choice by `margin` on every restart.

    `scores[k][r]` is the silhouette of restart r with k groups; k is tried in increasing order
    and each larger k has to beat the k chosen so far (not merely k - 1)."""
    ks = sorted(scores)
    chosen = ks[0]
    for k in ks[1:]:
        pairs = zip(scores[k], scores[chosen], strict=True)
        if all(new >= old + margin for new, old in pairs):
            chosen = k
    return chosen
