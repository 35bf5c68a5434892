"""The participant × statement vote matrix and its PCA projection, as Pol.is computes them.

Missing votes are imputed with the statement's mean vote; after centring by the column means the
imputed entries become exactly zero, so the centred matrix keeps the sparsity of the votes and PCA
is a truncated SVD of a sparse matrix (no dense n × m array is ever built). Participants are then
projected with Pol.is's sparsity-aware projection: only their own votes enter the dot product and
the result is scaled by sqrt(n_statements / n_votes), which pushes people who voted on few
statements out from the centre instead of leaving them piled up at the origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, svds
from sklearn.utils.extmath import randomized_svd

AGREE = 1
DISAGREE = -1
PASS = 0


@dataclass
class VoteMatrix:
    participants: list[str]  # row order (first appearance in the votes)
    statements: list[str]  # column order (first appearance in the votes)
    rows: np.ndarray  # one entry per (participant, statement) cell voted on
    cols: np.ndarray
    data: np.ndarray  # +1 agree / -1 disagree / 0 pass
    hidden_votes: np.ndarray | None = None  # per participant: cells voted on excluded statements

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)

    def sparse(self, data: np.ndarray | None = None) -> sp.csr_matrix:
        """A CSR matrix over the voted cells with `data` (default: the votes) as its values."""
        return sp.csr_matrix((self.data if data is None else data, (self.rows, self.cols)), shape=self.shape)

    def vote_counts(self) -> np.ndarray:
        return np.bincount(self.rows, minlength=len(self.participants))


def build_matrix(votes: Iterable[tuple[str, str, int]], exclude: frozenset[str] = frozenset()) -> VoteMatrix:
    """Collapse the votes into a matrix; a later vote on the same cell replaces the earlier one.
    Votes on statements in `exclude` are left out."""
    latest: dict[tuple[int, int], int] = {}
    p_index: dict[str, int] = {}
    s_index: dict[str, int] = {}
    hidden: set[tuple[str, str]] = set()
    for participant, statement, vote in votes:
        if vote not in (AGREE, DISAGREE, PASS):
            raise ValueError(f"vote must be +1 (agree), -1 (disagree) or 0 (pass), got {vote!r}")
        if exclude and str(statement) in exclude:
            hidden.add((str(participant), str(statement)))
            continue
        p = p_index.setdefault(str(participant), len(p_index))
        s = s_index.setdefault(str(statement), len(s_index))
        latest[(p, s)] = int(vote)
    n = len(latest)
    cells = np.fromiter((c for pair in latest for c in pair), dtype=np.int64, count=2 * n)
    data = np.fromiter(latest.values(), dtype=np.float64, count=n)
    hidden_votes = np.zeros(len(p_index), dtype=np.int64)
    for participant, _ in hidden:
        if participant in p_index:
            hidden_votes[p_index[participant]] += 1
    return VoteMatrix(
        list(p_index), list(s_index), cells[0::2].copy(), cells[1::2].copy(), data, hidden_votes
    )


@dataclass
class PCAResult:
    center: np.ndarray  # per-statement mean vote (the imputation value)
    components: np.ndarray  # (n_comps, n_statements), unit rows
    projection: np.ndarray  # (n_participants, 2) sparsity-aware coordinates


def centred(matrix: VoteMatrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """The imputed, centred matrix (zero where not voted) and the column means used for both."""
    m = len(matrix.statements)
    n_voted = np.bincount(matrix.cols, minlength=m).astype(np.float64)
    sums = np.bincount(matrix.cols, weights=matrix.data, minlength=m)
    means = np.divide(sums, n_voted, out=np.zeros_like(sums), where=n_voted > 0)
    return matrix.sparse(matrix.data - means[matrix.cols]), means


def pca_project(matrix: VoteMatrix, *, n_comps: int = 2, seed: int = 0, zeroed_columns: int = 0) -> PCAResult:
    """PCA of the imputed matrix over all participants, then Pol.is's sparsity-aware projection.

    `zeroed_columns`: statements moderated out. Pol.is keeps them in its matrix as columns set to
    0 (pass) for everyone, so they add nothing to the PCA but count as votes of every participant
    in the scaling: sqrt((m + z) / (n_votes + z)) — which damps the push-out of people with few
    votes. Passing them reproduces Pol.is's map (and groups) much more closely."""
    n, m = matrix.shape
    proj = np.zeros((n, 2))
    if n == 0 or m == 0:
        return PCAResult(np.zeros(m), np.zeros((2, m)), proj)
    cent, means = centred(matrix)
    comps = _top_components(cent, n_comps, seed)
    raw = cent @ comps.T  # (n, k) dot products over own votes only
    counts = np.maximum(matrix.vote_counts() + zeroed_columns, 1)
    scale = np.sqrt((m + zeroed_columns) / counts)
    proj[:, : raw.shape[1]] = raw * scale[:, None]
    return PCAResult(means, comps, proj)


def _top_components(cent: sp.csr_matrix, n_comps: int, seed: int) -> np.ndarray:
    n, m = cent.shape
    k = min(n_comps, n, m)
    comps = np.zeros((n_comps, m))
    nonzero = cent.copy()
    nonzero.eliminate_zeros()  # unanimous statements centre to exact zeros
    if k == 0 or nonzero.nnz == 0:
        return comps
    if min(n, m) <= k + 1 or min(n, m) < 50:
        # tiny matrices: dense SVD is exact and cheap
        _, _, vt = np.linalg.svd(nonzero.toarray(), full_matrices=False)
        vt = vt[:k]
    else:
        vt = _sparse_svd(nonzero, k, seed)
    for i, row in enumerate(vt):
        # a fixed sign convention, so that the map does not flip between runs
        if row[np.argmax(np.abs(row))] < 0:
            row = -row
        comps[i] = row
    return comps


def _sparse_svd(mat: sp.csr_matrix, k: int, seed: int) -> np.ndarray:
    """Top-k right singular vectors: ARPACK, or randomized SVD where ARPACK gives up (rank < k)."""
    rng = np.random.default_rng(seed)
    try:
        _, s, vt = svds(mat, k=k, v0=rng.standard_normal(min(mat.shape)), random_state=seed)
        if np.all(np.isfinite(vt)):
            return np.asarray(vt[np.argsort(-s)])
    except (ArpackError, ArpackNoConvergence):
        pass
    _, _, vt = randomized_svd(mat, k, n_iter=10, random_state=seed)
    return np.asarray(vt)
