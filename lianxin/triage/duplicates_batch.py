"""Duplicate checks for a whole batch of new appeals at once (a bulk intake), over a `DuplicateIndex`.

Each text is checked as `DuplicateIndex.check` checks one — its ``probe_terms`` rarest bigrams find
candidates among the indexed appeals, the best ``rescore`` of them are scored exactly (cosine of
idf-weighted binary bigram vectors) — and, in addition, against every earlier text of the same
batch, as if each had been indexed before the next was checked. What is done once per batch
instead of once per text: the bigrams of all texts, the exact scores of all (text, candidate)
pairs in one sparse product, and the batch's own pairs in another. The term statistics are the
index's plus the whole batch's (what the index holds once the batch is added), so a score can
differ in its last digits from checking the texts one after another.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp

from .duplicates import NFEAT, Candidate, DuplicateCheck, DuplicateIndex, _same_area, phone_key, shingle_batch
from .text import clean


def check_many(
    index: DuplicateIndex,
    texts: Sequence[str],
    *,
    ids: Sequence[Hashable],
    area_codes: Sequence[str | None],
    phones: Sequence[str | None],
    k: int = 5,
    merge_threshold: float = 0.5,
    repeat_threshold: float = 0.3,
) -> list[DuplicateCheck]:
    """The `DuplicateCheck` of each text, in order; the batch's earlier texts are candidates named
    by their `ids`. The index itself is not changed."""
    m = len(texts)
    if m == 0:
        return []
    min_score = min(merge_threshold, repeat_threshold, 0.3)
    q_indptr, q_ind = shingle_batch([clean(t) for t in texts], index.max_chars)
    batch_terms, batch_df = np.unique(q_ind, return_counts=True)
    n_docs = max(index._n_alive + m, 1)

    def idf(terms: np.ndarray) -> np.ndarray:
        df = index._df[terms].astype(np.float64)
        pos = np.minimum(np.searchsorted(batch_terms, terms), len(batch_terms) - 1)
        df += np.where(batch_terms[pos] == terms, batch_df[pos], 0)
        weights: np.ndarray = np.log((n_docs + 1) / (df + 1)) + 1.0
        return weights

    q_w = idf(q_ind)
    q_norm = _row_norms(q_indptr, q_w)
    pks = [phone_key(p) for p in phones]
    since = index._since(None)
    # 1. candidates among the indexed appeals, per text (the index's own pruning)
    candidates = [
        _probe(
            index,
            q_ind[q_indptr[i] : q_indptr[i + 1]],
            q_w[q_indptr[i] : q_indptr[i + 1]],
            area_codes[i],
            since,
        )
        for i in range(m)
    ]
    wanted = (
        np.unique(np.concatenate(candidates)) if any(len(c) for c in candidates) else np.zeros(0, np.int64)
    )
    query = sp.csr_matrix((q_w, q_ind, q_indptr), shape=(m, NFEAT))
    scores_main: sp.csr_matrix | None = None
    d_norm = np.zeros(0)
    if len(wanted):
        d_indptr, d_ind = _terms_of(index, wanted)
        d_w = idf(d_ind)
        d_norm = _row_norms(d_indptr, d_w)
        docs = sp.csr_matrix((d_w, d_ind, d_indptr), shape=(len(wanted), NFEAT))
        # binary vectors weighted by idf: the product sums idf² over the shared bigrams
        scores_main = sp.csr_matrix(query @ docs.T)
        scores_main.sort_indices()
    # 2. the batch's own pairs: text i against every earlier text j < i
    safe_q = np.where(q_norm > 0, q_norm, np.inf)
    scores_batch = (query @ query.T).toarray() / np.outer(safe_q, safe_q)
    out = []
    for i in range(m):
        found: list[tuple[Hashable, float, bool]] = []
        if scores_main is not None and len(candidates[i]):
            cols = np.searchsorted(wanted, candidates[i])
            row = slice(scores_main.indptr[i], scores_main.indptr[i + 1])
            row_cols, row_vals = scores_main.indices[row], scores_main.data[row]
            shared = np.zeros(len(cols))
            if len(row_cols):
                at = np.minimum(np.searchsorted(row_cols, cols), len(row_cols) - 1)
                shared = np.where(row_cols[at] == cols, row_vals[at], 0.0)
            scores = shared / (safe_q[i] * np.where(d_norm[cols] > 0, d_norm[cols], np.inf))
            keep = np.nonzero(scores >= min_score)[0]
            docnos = candidates[i][keep]
            same = index._phone[docnos] == pks[i] if pks[i] else np.zeros(len(keep), dtype=bool)
            found += [
                (index._ids[d], min(1.0, score), bool(p))
                for d, score, p in zip(docnos.tolist(), scores[keep].tolist(), same.tolist(), strict=True)
            ]
        limit = max(k, 20) if pks[i] else k
        row_b = scores_batch[i, :i]
        earlier = np.nonzero(row_b >= min_score)[0]
        taken = 0
        for j in earlier[np.argsort(-row_b[earlier], kind="stable")].tolist():
            if taken >= limit:
                break
            if _same_area(area_codes[j], area_codes[i]):
                found.append((ids[j], min(1.0, float(row_b[j])), bool(pks[i]) and pks[j] == pks[i]))
                taken += 1
        found.sort(key=lambda c: -c[1])
        found = found[:limit]
        cands = [Candidate(c[0], c[1], c[2]) for c in found]
        out.append(
            DuplicateCheck(
                cands[:k] + [c for c in cands[k:] if c.same_phone], merge_threshold, repeat_threshold
            )
        )
    return out


def _row_norms(indptr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(indptr) - 1))


def _probe(
    index: DuplicateIndex, q: np.ndarray, qw: np.ndarray, area_code: str | None, since: float
) -> np.ndarray:
    """The document numbers `DuplicateIndex._search` would rescore for one text (sorted)."""
    if len(q) == 0 or index._n_alive == 0:
        return np.zeros(0, dtype=np.int64)
    present = index._df[q] > 0
    if not present.any():
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-qw[present], kind="stable")[: index.probe_terms]
    probe, probe_w = q[present][order], qw[present][order]
    segs = list(index._segments)
    buf = index._buffer_segment()
    if buf is not None:
        segs.append(buf)
    docs, weights = [], []
    for s in segs:
        if not len(s.terms):
            continue
        pos = np.minimum(np.searchsorted(s.terms, probe), len(s.terms) - 1)
        hit = s.terms[pos] == probe
        for p, w in zip(pos[hit], probe_w[hit], strict=True):
            rows = s.postings[s.starts[p] : s.starts[p + 1]]
            docs.append(s.docnos[rows])
            weights.append(np.full(len(rows), w * w))
    if not docs:
        return np.zeros(0, dtype=np.int64)
    uniq, inv = np.unique(np.concatenate(docs), return_inverse=True)
    partial = np.bincount(inv, weights=np.concatenate(weights))
    live = index._alive[uniq]
    if since > -math.inf:
        live &= ~(index._time[uniq] < since)
    uniq, partial = uniq[live], partial[live]
    if area_code is not None:
        keep = np.fromiter((_same_area(index._area[d], area_code) for d in uniq), dtype=bool, count=len(uniq))
        uniq, partial = uniq[keep], partial[keep]
    if len(uniq) > index.rescore:
        uniq = uniq[np.argpartition(-partial, index.rescore - 1)[: index.rescore]]
    return np.sort(uniq.astype(np.int64))


def _terms_of(index: DuplicateIndex, docnos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bigram sets of these (sorted) document numbers, as CSR rows in their order."""
    lens = np.zeros(len(docnos), dtype=np.int64)
    pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, terms) per segment
    buf = index._buffer_segment()
    for s in [*index._segments, *([buf] if buf is not None else [])]:
        if not s.size:
            continue
        pos = np.minimum(np.searchsorted(s.docnos, docnos), s.size - 1)
        found = np.nonzero(s.docnos[pos] == docnos)[0]
        if not len(found):
            continue
        starts, ends = s.indptr[pos[found]], s.indptr[pos[found] + 1]
        counts = ends - starts
        lens[found] = counts
        offsets = np.repeat(starts - np.cumsum(np.concatenate(([0], counts[:-1]))), counts)
        take = np.arange(int(counts.sum())) + offsets
        pieces.append((np.repeat(found, counts), s.indices[take]))
    indptr = np.zeros(len(docnos) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    if not pieces:
        return indptr, np.zeros(0, dtype=np.int32)
    rows = np.concatenate([p[0] for p in pieces])
    terms = np.concatenate([p[1] for p in pieces])
    order = np.argsort(rows, kind="stable")
    return indptr, terms[order]
