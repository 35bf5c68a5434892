"""Opinion groups from agree / disagree / pass votes on short statements, as Pol.is computes them.

    analyse(votes) -> Analysis

1. the participant × statement matrix (a later vote on a cell replaces the earlier one);
2. participants with at least min(min_votes, n_statements) votes are *placed*;
3. missing votes imputed with the statement's mean, PCA to two components over all participants,
   Pol.is's sparsity-aware projection (scaled by sqrt(n_statements / n_votes));
4. k-means of the placed participants into up to 100 base clusters, then of the base clusters into
   2..max_groups groups, k chosen by silhouette with a preference for fewer groups
   (see `clustering`);
5. per group the representative statements (Pol.is repness) and over the groups the
   group-informed consensus (see `repness`).

Pure Python + numpy / scipy / scikit-learn; no Django. Deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from lianxin.opinions import clustering, repness
from lianxin.opinions.matrix import VoteMatrix, build_matrix, pca_project

OVERALL = -1  # key of the all-participants entry in Analysis.stats
MAX_REPRESENTATIVE = 5  # Pol.is shows the best five per group
MAX_CONSENSUS = 5
CONSENSUS_MIN = 0.6  # geometric mean over groups of the smoothed agree probability


@dataclass(frozen=True)
class Group:
    id: int  # 0..k-1, ordered by size, largest first
    participants: tuple[str, ...]


@dataclass(frozen=True)
class StatementStat:
    """Votes on one statement within one group (or, under key OVERALL, by every participant)."""

    statement: str
    agree: int
    disagree: int
    passed: int
    seen: int
    agree_share: float
    disagree_share: float


@dataclass(frozen=True)
class Representative:
    statement: str
    direction: str  # "agree" | "disagree"
    ratio: float  # smoothed P(direction | group) / P(direction | rest)
    p_value: float  # one-sided, of the two-proportion z test in-group vs rest
    z: float = 0.0  # that z statistic
    probability: float = 0.0  # smoothed P(direction | group)


@dataclass(frozen=True)
class Analysis:
    groups: tuple[Group, ...]
    consensus: tuple[str, ...]  # group-informed consensus statement ids, best first
    representative: dict[int, tuple[Representative, ...]]
    projection: dict[str, tuple[float, float]]  # participant -> 2-D PCA coordinates (every voter)
    participants_in: tuple[str, ...]  # those with enough votes to be placed
    stats: dict[int, tuple[StatementStat, ...]]  # group id -> stats; OVERALL (-1) -> everyone
    consensus_scores: dict[str, float] = field(default_factory=dict)  # statement -> product score
    silhouettes: dict[int, float] = field(default_factory=dict)  # k -> silhouette (diagnostic)


def analyse(
    votes: Iterable[tuple[str, str, int]],
    *,
    min_votes: int = 7,
    max_groups: int = 5,
    seed: int = 0,
    moderated_out: Iterable[str] = (),
) -> Analysis:
    """votes: (participant id, statement id, vote) with vote +1 agree, -1 disagree, 0 pass;
    a later vote by the same participant on the same statement replaces the earlier one.

    moderated_out: ids of statements hidden by moderation. Votes on them are left out of every
    figure, but — as in Pol.is, which keeps such statements as all-pass columns — their number
    damps the sparsity scaling of the map (see `pca_project`), and votes on them, if given,
    count towards a participant's placement. Pass them to get Pol.is's groups; the ids alone
    are enough for the map, the votes only refine who is placed."""
    if max_groups < 2:
        raise ValueError("max_groups must be at least 2")
    if not 0 <= seed < 2**20:
        raise ValueError("seed must be an integer from 0 to 2**20 - 1")
    hidden = frozenset(str(s) for s in moderated_out)
    matrix = build_matrix(votes, exclude=hidden)
    n, m = matrix.shape
    if n == 0 or m == 0:
        return Analysis((), (), {}, {}, (), {})
    pca = pca_project(matrix, seed=seed, zeroed_columns=len(hidden))
    projection = {
        p: (float(x), float(y)) for p, (x, y) in zip(matrix.participants, pca.projection, strict=True)
    }
    # placement counts votes on hidden statements too, as Pol.is counts its raw matrix
    all_votes = matrix.vote_counts() + (0 if matrix.hidden_votes is None else matrix.hidden_votes)
    placed = np.flatnonzero(all_votes >= min(min_votes, m + len(hidden)))
    participants_in = tuple(matrix.participants[i] for i in placed)
    group_of_row = np.full(n, -1)
    silhouettes: dict[int, float] = {}
    if len(placed):
        base = clustering.base_clusters(pca.projection[placed], seed=seed)
        choice = clustering.choose_groups(base, max_groups=max_groups, seed=seed)
        silhouettes = choice.silhouettes
        group_of_row[placed] = _order_by_size(choice.labels[base.labels])
    k = int(group_of_row.max()) + 1
    groups = tuple(
        Group(g, tuple(matrix.participants[i] for i in np.flatnonzero(group_of_row == g))) for g in range(k)
    )
    counts = repness.count_votes(
        matrix.rows, matrix.cols, matrix.data, group_of_row, n_groups=k, n_statements=m
    )
    overall = repness.count_votes(
        matrix.rows, matrix.cols, matrix.data, np.zeros(n, dtype=int), n_groups=1, n_statements=m
    )
    stats = {g: _stats(matrix, counts, g) for g in range(k)}
    stats[OVERALL] = _stats(matrix, overall, 0)
    representative = _representative(matrix, counts, k)
    consensus, scores = _consensus(matrix, counts) if k else ((), {})
    return Analysis(
        groups, consensus, representative, projection, participants_in, stats, scores, silhouettes
    )


def _order_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber group labels 0..k-1 by size, largest first (ties: the one met first)."""
    uniq, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(uniq)), key=lambda i: (-sizes[i], first[i]))
    remap = np.empty(int(uniq.max()) + 1, dtype=int)
    for new, i in enumerate(order):
        remap[uniq[i]] = new
    renumbered: np.ndarray = remap[labels]
    return renumbered


def _stats(matrix: VoteMatrix, c: repness.Counts, g: int) -> tuple[StatementStat, ...]:
    out = []
    for j, statement in enumerate(matrix.statements):
        a, d, s = int(c.agree[g, j]), int(c.disagree[g, j]), int(c.seen[g, j])
        out.append(StatementStat(statement, a, d, s - a - d, s, a / s if s else 0.0, d / s if s else 0.0))
    return tuple(out)


def _representative(matrix: VoteMatrix, c: repness.Counts, k: int) -> dict[int, tuple[Representative, ...]]:
    if k < 2:
        return dict.fromkeys(range(k), ())
    rs = repness.rep_stats(c)
    result = {}
    for g in range(k):
        reps = []
        for j, agree in repness.select_representative(rs, g, MAX_REPRESENTATIVE):
            ratio, z, prob = (
                (rs.ra[g, j], rs.rat[g, j], rs.pa[g, j])
                if agree
                else (rs.ratio[g, j], rs.z[g, j], rs.p_success[g, j])
            )
            reps.append(
                Representative(
                    matrix.statements[j],
                    "agree" if agree else "disagree",
                    float(ratio),
                    repness.p_value(float(z)),
                    float(z),
                    float(prob),
                )
            )
        result[g] = tuple(reps)
    return result


def _consensus(matrix: VoteMatrix, c: repness.Counts) -> tuple[tuple[str, ...], dict[str, float]]:
    scores = repness.group_consensus(c)
    k = c.agree.shape[0]
    probs = (c.agree + 1.0) / (c.seen + 2.0)
    significant = repness.prop_test(c.agree.sum(axis=0), c.seen.sum(axis=0)) > repness.Z_90
    ok = (probs > 0.5).all(axis=0) & (scores >= CONSENSUS_MIN**k) & significant
    best = sorted(np.flatnonzero(ok), key=lambda j: (-scores[j], j))[:MAX_CONSENSUS]
    return (
        tuple(matrix.statements[j] for j in best),
        {s: float(v) for s, v in zip(matrix.statements, scores, strict=True)},
    )
