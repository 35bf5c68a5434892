"""Near-duplicate appeals: an in-memory inverted index on hashed character bigrams.

Design (see docs/triage.md):

* every appeal is cleaned (PII masked, normalised), cut to its first ``max_chars`` characters and
  turned into the *set* of its hashed CJK/alphanumeric character bigrams (numpy, vectorised);
* documents live in immutable *segments* (CSR rows + a term-sorted posting list, int32 arrays)
  plus a small write buffer; segments are merged log-structured, dead documents dropped on merge;
* a query looks only at the postings of its ``probe_terms`` rarest bigrams (top-k pruning; the
  rare ones are the place names and specific nouns), accumulates an idf-weighted partial score,
  then rescores the best ``rescore`` candidates exactly: cosine of idf-weighted binary bigram
  vectors, a similarity in [0, 1].

Memory is about 8 bytes per distinct bigram per document (~1.2 GB for 1M appeals of ~150 bigrams)
and a query costs a few milliseconds regardless of the index size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .text import clean

NBITS = 22
NFEAT = 1 << NBITS
_MASK = np.uint64(NFEAT - 1)
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


def _is_word(cp: np.ndarray) -> np.ndarray:
    return (
        ((cp >= 0x4E00) & (cp <= 0x9FFF))
        | ((cp >= 0x30) & (cp <= 0x39))
        | ((cp >= 0x61) & (cp <= 0x7A))
        | ((cp >= 0x3400) & (cp <= 0x4DBF))
    )


def shingle_batch(texts: Sequence[str], max_chars: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character-bigram sets of already-cleaned texts, as CSR ``(indptr, indices)``.

    ``indices`` are sorted and unique within each row (int32 in ``[0, 2**22)``).
    """
    n = len(texts)
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    parts = [t[:max_chars].lower() for t in texts]
    joined = "\x00".join(parts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lens = np.fromiter((len(p) for p in parts), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n, dtype=np.uint64), lens + 1)
    word = _is_word(cp)
    ok = word[:-1] & word[1:]
    a = cp[:-1][ok].astype(np.uint64)
    b = cp[1:][ok].astype(np.uint64)
    h = a * _M1 + b * _M2
    h ^= h >> np.uint64(29)
    h = (h * _M1) >> np.uint64(64 - NBITS)
    key = (doc[:-1][ok] << np.uint64(NBITS)) | (h & _MASK)
    key = np.sort(key)
    if len(key):
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    rows = (key >> np.uint64(NBITS)).astype(np.int64)
    indices = (key & _MASK).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, indices


@dataclass
class _Segment:
    docnos: np.ndarray  # int64, global doc numbers of the rows
    indptr: np.ndarray  # int64 (rows + 1)
    indices: np.ndarray  # int32 term ids, sorted within a row
    terms: np.ndarray = field(init=False)  # int32 distinct terms, sorted
    starts: np.ndarray = field(init=False)  # int64 offsets into postings (len(terms) + 1)
    postings: np.ndarray = field(init=False)  # int32 local row numbers, grouped by term

    def __post_init__(self) -> None:
        rows = np.repeat(np.arange(len(self.docnos), dtype=np.int32), np.diff(self.indptr))
        order = np.argsort(self.indices, kind="stable")
        sorted_terms = self.indices[order]
        self.postings = rows[order]
        self.terms, first = np.unique(sorted_terms, return_index=True)
        self.starts = np.append(first, len(sorted_terms)).astype(np.int64)

    @property
    def size(self) -> int:
        return len(self.docnos)

    def nbytes(self) -> int:
        return sum(
            a.nbytes for a in (self.docnos, self.indptr, self.indices, self.terms, self.starts, self.postings)
        )


@dataclass(frozen=True)
class Candidate:
    id: Hashable
    score: float
    same_phone: bool = False


@dataclass(frozen=True)
class DuplicateCheck:
    candidates: list[Candidate]
    merge_threshold: float
    repeat_threshold: float

    @property
    def merge_candidates(self) -> list[Candidate]:
        """Appeals similar enough to propose merging."""
        return [c for c in self.candidates if c.score >= self.merge_threshold]

    @property
    def repeat_of(self) -> list[Candidate]:
        """Earlier appeals from the same phone number about a similar matter."""
        return [c for c in self.candidates if c.same_phone and c.score >= self.repeat_threshold]

    @property
    def is_repeat(self) -> bool:
        return bool(self.repeat_of)


def _epoch(t: dt.datetime | dt.date | float | int | None) -> float:
    if t is None:
        return math.nan
    if isinstance(t, dt.datetime):
        return t.timestamp()
    if isinstance(t, dt.date):
        return dt.datetime(t.year, t.month, t.day).timestamp()
    return float(t)


_DIGITS = re.compile(r"\D")


def phone_key(phone: str | None) -> int:
    """A salted-free 63-bit hash of a phone number's last 11 digits (0 =
    none); the number itself is not kept."""
    if not phone:
        return 0
    digits = _DIGITS.sub("", str(phone))[-11:]
    if not digits:
        return 0
    return int.from_bytes(hashlib.blake2b(digits.encode(), digest_size=8).digest(), "little") >> 1 or 1


class DuplicateIndex:
    """Near-duplicate finder over recent appeals.

    >>> idx = DuplicateIndex()
    >>> idx.add(1, "幸福小区门口的路灯坏了一个月", area_code="A3")
    >>> idx.query("幸福小区门口路灯一个月都不亮", area_code="A3")  # doctest: +SKIP
    [(1, 0.52)]
    """

    def __init__(
        self,
        *,
        max_chars: int = 256,
        window: dt.timedelta | None = None,
        flush_size: int = 2048,
        merge_factor: int = 8,
        probe_terms: int = 16,
        rescore: int = 64,
    ) -> None:
        self.max_chars = max_chars
        self.window = window
        self.flush_size = flush_size
        self.merge_factor = merge_factor
        self.probe_terms = probe_terms
        self.rescore = rescore
        self._df = np.zeros(NFEAT, dtype=np.int32)
        self._segments: list[_Segment] = []
        self._buf: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._buf_n = 0
        self._buf_seg: _Segment | None = None
        self._ids: list[Hashable] = []
        self._docno: dict[Hashable, int] = {}
        self._cap = 0
        self._time = np.zeros(0, dtype=np.float64)
        self._phone = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._area: list[str | None] = []
        self._n_alive = 0
        self._latest = -math.inf

    # --- bookkeeping -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n_alive

    def __contains__(self, id: Hashable) -> bool:
        d = self._docno.get(id)
        return d is not None and bool(self._alive[d])

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, self._cap * 2, 1024)
        for name, dtype in (("_time", np.float64), ("_phone", np.int64), ("_alive", bool)):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self._cap = cap

    def memory_bytes(self) -> int:
        """Approximate bytes held by the index arrays (excludes the Python id list / dict)."""
        total = self._df.nbytes + self._time.nbytes + self._phone.nbytes + self._alive.nbytes
        return total + sum(s.nbytes() for s in self._segments)

    # --- writing ---------------------------------------------------------------------------------

    def add(
        self,
        id: Hashable,
        text: str,
        area_code: str | None = None,
        time: dt.datetime | dt.date | float | None = None,
        phone: str | None = None,
    ) -> None:
        """Index one appeal (replacing an earlier entry with the same id)."""
        self.add_many([id], [text], [area_code], [time], [phone])

    def add_many(
        self,
        ids: Sequence[Hashable],
        texts: Sequence[str],
        area_codes: Sequence[str | None] | None = None,
        times: Sequence[dt.datetime | dt.date | float | None] | None = None,
        phones: Sequence[str | None] | None = None,
        *,
        cleaned: bool = False,
    ) -> None:
        """Bulk insert (much faster than repeated :meth:`add`).
        ``cleaned=True`` skips PII masking/normalising."""
        n = len(ids)
        if len(texts) != n:
            raise ValueError("ids and texts differ in length")
        for id in ids:
            if id in self._docno:
                self.remove(id)
        start = len(self._ids)
        self._grow(start + n)
        self._ids.extend(ids)
        for i, id in enumerate(ids):
            self._docno[id] = start + i
        self._area.extend(area_codes if area_codes is not None else [None] * n)
        if times is not None:
            self._time[start : start + n] = [_epoch(t) for t in times]
            finite = self._time[start : start + n]
            finite = finite[np.isfinite(finite)]
            if len(finite):
                self._latest = max(self._latest, float(finite.max()))
        else:
            self._time[start : start + n] = math.nan
        self._phone[start : start + n] = [phone_key(p) for p in phones] if phones is not None else 0
        self._alive[start : start + n] = True
        self._n_alive += n
        prepared = list(texts) if cleaned else [clean(t) for t in texts]
        indptr, ind = shingle_batch(prepared, self.max_chars)
        # df is updated as documents arrive so that idf is current for queries.
        if len(ind) < 65536:
            np.add.at(self._df, ind, 1)
        else:
            self._df += np.bincount(ind, minlength=NFEAT).astype(np.int32)
        self._buf.append((np.arange(start, start + n, dtype=np.int64), indptr, ind))
        self._buf_n += n
        self._buf_seg = None
        if self._buf_n >= self.flush_size:
            self.flush()

    def _concat_buffer(self) -> _Segment | None:
        if not self._buf:
            return None
        docnos = np.concatenate([b[0] for b in self._buf])
        indices = np.concatenate([b[2] for b in self._buf])
        lens = np.concatenate([np.diff(b[1]) for b in self._buf])
        indptr = np.zeros(len(docnos) + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        return _Segment(docnos, indptr, indices)

    def flush(self) -> None:
        """Turn the write buffer into a segment and merge segments when there are too many."""
        seg = self._buf_seg if self._buf_seg is not None else self._concat_buffer()
        if seg is None:
            return
        self._segments.append(seg)
        self._buf, self._buf_n, self._buf_seg = [], 0, None
        self._maybe_merge()

    def _level(self, seg: _Segment) -> int:
        return (
            int(math.log(max(1, seg.size) / self.flush_size, self.merge_factor))
            if seg.size > self.flush_size
            else 0
        )

    def _maybe_merge(self) -> None:
        while True:
            levels: dict[int, list[int]] = {}
            for i, s in enumerate(self._segments):
                levels.setdefault(self._level(s), []).append(i)
            full = [idx for idx in levels.values() if len(idx) >= self.merge_factor]
            if not full:
                return
            pick = full[0]
            merged = self._merge([self._segments[i] for i in pick])
            self._segments = [s for i, s in enumerate(self._segments) if i not in pick]
            if merged is not None:
                self._segments.append(merged)

    def _merge(self, segs: list[_Segment]) -> _Segment | None:
        docnos, rows_terms, lens = [], [], []
        for s in segs:
            keep = self._alive[s.docnos]
            counts = np.diff(s.indptr)
            rowmask = np.repeat(keep, counts)
            docnos.append(s.docnos[keep])
            rows_terms.append(s.indices[rowmask])
            lens.append(counts[keep])
        d = np.concatenate(docnos)
        if len(d) == 0:
            return None
        counts = np.concatenate(lens)
        terms = np.concatenate(rows_terms)
        if len(d) > 1 and not bool(np.all(np.diff(d) > 0)):
            order = np.argsort(d, kind="stable")
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            take = (
                np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in order])
                if len(terms)
                else terms
            )
            d, counts, terms = d[order], counts[order], terms[take]
        indptr = np.zeros(len(d) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return _Segment(d, indptr, terms)

    def optimize(self) -> None:
        """Flush and merge everything into one segment (drops removed/expired documents)."""
        self.flush()
        if len(self._segments) > 1 or (
            self._segments and self._segments[0].size != int(self._alive[self._segments[0].docnos].sum())
        ):
            merged = self._merge(self._segments)
            self._segments = [merged] if merged is not None else []

    def _doc_terms(self, docno: int) -> np.ndarray:
        buf = self._buffer_segment()
        for s in [*self._segments, *([buf] if buf is not None else [])]:
            pos = int(np.searchsorted(s.docnos, docno))
            if pos < s.size and s.docnos[pos] == docno:
                return s.indices[s.indptr[pos] : s.indptr[pos + 1]]
        return np.zeros(0, dtype=np.int32)

    def remove(self, id: Hashable) -> bool:
        """Forget one appeal (e.g. closed and archived). Returns False if unknown."""
        d = self._docno.pop(id, None)
        if d is None or not self._alive[d]:
            return False
        self._alive[d] = False
        self._n_alive -= 1
        np.subtract.at(self._df, self._doc_terms(d), 1)
        return True

    def expire(self, before: dt.datetime | dt.date | float) -> int:
        """Drop every appeal older than ``before`` (keeps the index to a recent window). Returns the count."""
        cutoff = _epoch(before)
        n = len(self._ids)
        old = self._alive[:n] & (self._time[:n] < cutoff)
        if not old.any():
            return 0
        self.flush()
        for s in self._segments:
            dead = old[s.docnos]
            if dead.any():
                self._df -= np.bincount(
                    s.indices[np.repeat(dead, np.diff(s.indptr))], minlength=NFEAT
                ).astype(np.int32)
        olds = np.nonzero(old)[0]
        self._alive[olds] = False
        for d in olds:
            self._docno.pop(self._ids[d], None)
        self._n_alive -= len(olds)
        # Rewrite segments that are now mostly dead.
        rewritten = []
        for s in self._segments:
            live = int(self._alive[s.docnos].sum())
            if live < s.size // 2:
                m = self._merge([s])
                if m is not None:
                    rewritten.append(m)
            else:
                rewritten.append(s)
        self._segments = rewritten
        return len(olds)

    # --- reading ---------------------------------------------------------------------------------

    def _buffer_segment(self) -> _Segment | None:
        if self._buf_seg is None:
            self._buf_seg = self._concat_buffer()
        return self._buf_seg

    def _idf(self, terms: np.ndarray) -> np.ndarray:
        n = max(self._n_alive, 1)
        idf: np.ndarray = np.log((n + 1) / (self._df[terms].astype(np.float64) + 1)) + 1.0
        return idf

    def _search(
        self, text: str, k: int, area_code: str | None, since: float, min_score: float
    ) -> list[tuple[int, float]]:
        q = shingle_batch([clean(text)], self.max_chars)[1]
        if len(q) == 0 or self._n_alive == 0:
            return []
        qw = self._idf(q)
        qnorm2 = float(qw @ qw)
        present = self._df[q] > 0
        if not present.any():
            return []
        probe_order = np.argsort(-qw[present], kind="stable")[: self.probe_terms]
        probe = q[present][probe_order]
        probe_w = qw[present][probe_order]
        segs = list(self._segments)
        buf = self._buffer_segment()
        if buf is not None:
            segs.append(buf)
        docs, weights = [], []
        for s in segs:
            pos = np.searchsorted(s.terms, probe)
            pos = np.minimum(pos, len(s.terms) - 1) if len(s.terms) else pos
            if not len(s.terms):
                continue
            hit = s.terms[pos] == probe
            for p, w in zip(pos[hit], probe_w[hit], strict=True):
                rows = s.postings[s.starts[p] : s.starts[p + 1]]
                docs.append(s.docnos[rows])
                weights.append(np.full(len(rows), w * w))
        if not docs:
            return []
        alld = np.concatenate(docs)
        allw = np.concatenate(weights)
        uniq, inv = np.unique(alld, return_inverse=True)
        partial = np.bincount(inv, weights=allw)
        live = self._alive[uniq]
        if since > -math.inf:
            t = self._time[uniq]
            live &= ~(t < since)  # unknown times stay
        uniq, partial = uniq[live], partial[live]
        if area_code is not None:
            keep = np.fromiter(
                (_same_area(self._area[d], area_code) for d in uniq), dtype=bool, count=len(uniq)
            )
            uniq, partial = uniq[keep], partial[keep]
        if len(uniq) == 0:
            return []
        top = (
            np.argpartition(-partial, min(self.rescore, len(uniq)) - 1)[: self.rescore]
            if len(uniq) > self.rescore
            else np.arange(len(uniq))
        )
        out: list[tuple[int, float]] = []
        qset = q  # sorted unique
        for d in uniq[top]:
            terms = self._doc_terms(int(d))
            if len(terms) == 0:
                continue
            dw = self._idf(terms)
            common = np.intersect1d(qset, terms, assume_unique=True)
            cw = self._idf(common)
            score = float(cw @ cw) / math.sqrt(qnorm2 * float(dw @ dw))
            if score >= min_score:
                out.append((int(d), min(1.0, score)))
        out.sort(key=lambda x: -x[1])
        return out[:k]

    def _since(self, since: dt.datetime | dt.date | float | None) -> float:
        s = _epoch(since) if since is not None else -math.inf
        if self.window is not None and self._latest > -math.inf:
            s = max(s, self._latest - self.window.total_seconds())
        return s

    def query(
        self,
        text: str,
        area_code: str | None = None,
        k: int = 5,
        *,
        min_score: float = 0.3,
        since: dt.datetime | dt.date | float | None = None,
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` most similar indexed appeals as ``(id, score)``, score in [0, 1], best first.

        With ``area_code``, only appeals of the same area (or an ancestor/descendant area code, or
        with no area) are considered.
        """
        hits = self._search(text, k, area_code, self._since(since), min_score)
        return [(self._ids[d], s) for d, s in hits]

    def check(
        self,
        text: str,
        area_code: str | None = None,
        phone: str | None = None,
        k: int = 5,
        *,
        merge_threshold: float = 0.5,
        repeat_threshold: float = 0.3,
        since: dt.datetime | dt.date | float | None = None,
    ) -> DuplicateCheck:
        """Merge candidates and the repeat-appellant flag for a new appeal (before it is added)."""
        pk = phone_key(phone)
        hits = self._search(
            text,
            max(k, 20) if pk else k,
            area_code,
            self._since(since),
            min(merge_threshold, repeat_threshold, 0.3),
        )
        cands = [Candidate(self._ids[d], s, bool(pk) and int(self._phone[d]) == pk) for d, s in hits]
        # Same-phone candidates are always reported, even beyond the top k.
        top = cands[:k] + [c for c in cands[k:] if c.same_phone]
        return DuplicateCheck(top, merge_threshold, repeat_threshold)


def _same_area(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return a.startswith(b) or b.startswith(a)


def build_index(records: Iterable[tuple[Hashable, str]], **options: object) -> DuplicateIndex:
    """Convenience: an index over ``(id, text)`` pairs."""
    idx = DuplicateIndex(**options)  # type: ignore[arg-type]
    ids, texts = [], []
    for i, t in records:
        ids.append(i)
        texts.append(t)
    idx.add_many(ids, texts)
    idx.flush()
    return idx
