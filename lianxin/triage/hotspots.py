"""Hotspots: clusters of appeals about the same problem in a period and area, ranked.

Pipeline (vectorised, no per-pair Python work):

1. title and the start of the body → hashed character-bigram sets (see ``duplicates.shingle_batch``),
   title bigrams weighted double, idf weighted; bigrams in too many appeals (stop-bigrams) or in
   only one are dropped, rows L2-normalised;
2. a sparse k-nearest-neighbour graph by chunked sparse products, keeping edges above ``threshold``
   whose ends are among each other's ``k`` nearest (mutual kNN, which resists chaining);
3. connected components are the clusters; an oversized, loose component is split again at a higher
   threshold;
4. each cluster gets a score = ``log1p(size) + growth_weight*log2(growth) + support_weight*log1p(votes)``
   where growth compares the later half of the period with the earlier half, a label from its
   frequent place names and key words (jieba + its built-in idf), its members and 3 central examples.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .duplicates import NFEAT, shingle_batch
from .text import GENERIC_WORDS, clean

__all__ = ["Hotspot", "HotspotRecord", "find_hotspots"]


@dataclass
class HotspotRecord:
    id: Hashable
    title: str = ""
    text: str = ""
    time: dt.datetime | None = None
    area: str | None = None
    votes: int = 0
    user: str | None = None


@dataclass
class Hotspot:
    label: str
    score: float
    size: int
    ids: list[Hashable]
    examples: list[dict[str, Any]]
    keywords: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    votes: int = 0
    growth: float = 1.0
    recent: int = 0
    earlier: int = 0
    appellants: int = 0
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    area: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "size": self.size,
            "appellants": self.appellants,
            "votes": self.votes,
            "growth": round(self.growth, 3),
            "recent": self.recent,
            "earlier": self.earlier,
            "keywords": self.keywords,
            "places": self.places,
            "area": self.area,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "ids": [i if isinstance(i, int | str) else str(i) for i in self.ids],
            "examples": self.examples,
        }


def _as_record(r: HotspotRecord | Mapping[str, Any] | Any) -> HotspotRecord:
    if isinstance(r, HotspotRecord):
        return r
    get = r.get if isinstance(r, Mapping) else (lambda k, d=None: getattr(r, k, d))
    votes = get("votes", 0) or 0
    try:
        votes = int(votes)
    except (TypeError, ValueError):
        votes = 0
    return HotspotRecord(
        id=get("id"),
        title=str(get("title", "") or ""),
        text=str(get("text", "") or ""),
        time=get("time"),
        area=get("area"),
        votes=votes,
        user=get("user"),
    )


_PLACE_RE = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{2,12}?(?:小区|花园|家园|公寓|大厦|广场|新村|新城|苑|府|城|湾|里|社区|村|组|路|街|大道|巷|桥|"
    r"学校|中学|小学|幼儿园|医院|市场|公园|工业园|园区|公司|车站|站)"
)
_ADMIN_PREFIX = re.compile(r"^(?:[A-Z]\d*[市区县镇乡])+")
_LEAD = re.compile(r"^(?:关于|请问|问问|而|在|对|从|旁边的|对面的|附近的|门口的)+")
_ADMIN_ANY = re.compile(r"[A-Z]\d*[市区县镇乡]")
_BAD_PLACE = re.compile(r"^(?:[A-Z]\d*|我们|我|本|该|这个|那个|整个|一个|所在|附近|周边)")


def _places(text: str) -> list[str]:
    out = []
    for m in _PLACE_RE.finditer(text):
        p = _ADMIN_PREFIX.sub("", _LEAD.sub("", m.group(0)))
        if len(p) >= 3 and not _BAD_PLACE.match(p):
            out.append(p)
    return out


def _vectorize(
    titles: list[str], bodies: list[str], max_body: int, max_df: float, max_df_cap: int = 1500
) -> sp.csr_matrix:
    n = len(titles)
    tp, ti = shingle_batch(titles, 128)
    bp, bi = shingle_batch(bodies, max_body)
    rows = np.concatenate([np.repeat(np.arange(n), np.diff(tp)), np.repeat(np.arange(n), np.diff(bp))])
    cols = np.concatenate([ti, bi])
    vals = np.concatenate([np.full(len(ti), 2.0), np.ones(len(bi))])
    x = sp.csr_matrix((vals, (rows, cols)), shape=(n, NFEAT))
    x.sum_duplicates()
    x.data = np.minimum(x.data, 3.0)  # title + body → 3
    df = np.bincount(x.indices, minlength=NFEAT)
    idf = np.log((n + 1) / (df + 1)) + 1
    too_common = df > max(min(max_df * n, max_df_cap), min(n, 30))
    keep_col = (df >= 2) & ~too_common
    x = x @ sp.diags(np.where(keep_col, idf, 0.0))
    x.eliminate_zeros()
    x = x.tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags(1 / norms) @ x)


def _knn_edges(
    x: sp.csr_matrix, k: int, threshold: float, chunk: int = 2000, strong_threshold: float = 0.6
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mutual k-NN edges with cosine >= threshold, plus any k-NN edge >= strong_threshold; rows < cols."""
    n = x.shape[0]
    xt = x.T.tocsr()
    rs, cs, vs = [], [], []
    for lo in range(0, n, chunk):
        s = (x[lo : lo + chunk] @ xt).tocsr()
        s.data[s.data < threshold] = 0
        s.eliminate_zeros()
        for r in range(s.shape[0]):
            a, b = s.indptr[r], s.indptr[r + 1]
            if b - a <= 1:
                continue
            cols = s.indices[a:b]
            vals = s.data[a:b]
            self_mask = cols != lo + r
            cols, vals = cols[self_mask], vals[self_mask]
            if len(cols) > k:
                top = np.argpartition(-vals, k - 1)[:k]
                cols, vals = cols[top], vals[top]
            rs.append(np.full(len(cols), lo + r))
            cs.append(cols)
            vs.append(vals)
    if not rs:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    r_all, c_all, v_all = np.concatenate(rs), np.concatenate(cs), np.concatenate(vs)
    directed = sp.csr_matrix((v_all, (r_all, c_all)), shape=(n, n))
    mutual = directed.minimum(directed.T)
    # Near-copies are linked even when one side's k nearest are all other near-copies.
    strong = directed.maximum(directed.T)
    strong.data[strong.data < strong_threshold] = 0
    edges = mutual.maximum(strong).tocoo()
    upper = edges.row < edges.col
    return edges.row[upper], edges.col[upper], edges.data[upper]


def _components(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    g = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels


def _cluster(
    x: sp.csr_matrix, k: int, threshold: float, max_frac: float, merge_threshold: float = 0.5
) -> list[np.ndarray]:
    n = x.shape[0]
    rows, cols, sims = _knn_edges(x, k, threshold)
    labels = _components(n, rows, cols)
    groups = [np.nonzero(labels == lab)[0] for lab in np.unique(labels)]
    out: list[np.ndarray] = []
    limit = max(30, int(max_frac * n))
    for g in groups:
        t = threshold
        stack = [g]
        while stack:
            grp = stack.pop()
            if len(grp) <= limit or t > 0.9:
                out.append(grp)
                continue
            # Too big: probably chained topics; split with a stricter threshold on its own edges.
            t += 0.1
            member = np.zeros(n, dtype=bool)
            member[grp] = True
            m = member[rows] & member[cols] & (sims >= t)
            sub = _components(n, rows[m], cols[m])
            stack.extend(np.nonzero(sub == lab)[0] for lab in np.unique(sub[grp]))
    return _merge_close(x, out, merge_threshold, limit)


def _merge_close(
    x: sp.csr_matrix, groups: list[np.ndarray], threshold: float, limit: int
) -> list[np.ndarray]:
    """Join clusters whose centroids are similar (variants of one problem worded differently)."""
    multi = [g for g in groups if len(g) >= 2]
    single = [g for g in groups if len(g) < 2]
    if len(multi) < 2:
        return groups
    rows = np.concatenate([np.full(len(g), i) for i, g in enumerate(multi)])
    cols = np.concatenate(multi)
    assign = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(multi), x.shape[0]))
    cent = (assign @ x).tocsr()
    norms = np.sqrt(np.asarray(cent.multiply(cent).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    cent = sp.csr_matrix(sp.diags(1 / norms) @ cent)
    sim = (cent @ cent.T).tocoo()
    keep = (sim.row < sim.col) & (sim.data >= threshold)
    labels = _components(len(multi), sim.row[keep], sim.col[keep])
    merged = []
    for lab in np.unique(labels):
        parts = [multi[i] for i in np.nonzero(labels == lab)[0]]
        joined = np.concatenate(parts)
        merged.extend(parts if len(joined) > limit else [joined])
    return merged + single


_jieba_idf: dict[str, float] | None = None
_KW_STOP = GENERIC_WORDS | frozenset(["业主", "何时"])


def _keywords(titles: list[str], topn: int = 4) -> list[str]:
    global _jieba_idf
    from .text import _jieba

    jb = _jieba()
    if _jieba_idf is None:
        import jieba.analyse

        tfidf = jieba.analyse.TFIDF()
        _jieba_idf = dict(tfidf.idf_freq)
        _jieba_idf["__median__"] = tfidf.median_idf
    med = _jieba_idf["__median__"]
    df: Counter[str] = Counter()
    for t in titles:
        t = _ADMIN_ANY.sub(" ", t)
        words = {
            w
            for w in jb.lcut(t)
            if len(w) >= 2 and not w.isdigit() and w not in _KW_STOP and re.search(r"[\u4e00-\u9fff]", w)
        }
        df.update(words)
    scored = sorted(df.items(), key=lambda kv: -(kv[1] * _jieba_idf.get(kv[0], med)))
    return [w for w, c in scored if c >= max(2, len(titles) // 5)][:topn] or [w for w, _ in scored[:topn]]


def find_hotspots(  # noqa: PLR0913, PLR0915  tuning knobs keyword-only with defaults; one pipeline
    records: Iterable[HotspotRecord | Mapping[str, Any]],
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    area: str | None = None,
    top: int = 20,
    min_size: int = 3,
    threshold: float = 0.35,
    k: int = 10,
    max_body: int = 200,
    max_df: float = 0.05,
    growth_weight: float = 0.5,
    support_weight: float = 0.3,
    max_cluster_frac: float = 0.05,
) -> list[Hotspot]:
    """Rank clusters of similar appeals in ``[start, end)`` (and within ``area`` by code prefix).

    A record is a :class:`HotspotRecord` or a mapping with ``id``, ``title``, ``text``, ``time``
    (datetime or None), optional ``area``, ``votes`` (likes / co-signers) and ``user``.
    """
    recs = [_as_record(r) for r in records]
    if start is not None:
        recs = [r for r in recs if r.time is not None and r.time >= start]
    if end is not None:
        recs = [r for r in recs if r.time is not None and r.time < end]
    if area is not None:
        recs = [r for r in recs if r.area is not None and str(r.area).startswith(area)]
    if len(recs) < min_size:
        return []
    titles = [clean(r.title) for r in recs]
    bodies = [clean(r.text[: max_body * 2]) for r in recs]
    # Exact repeats (same title and body start) are clustered once and expanded afterwards.
    first: dict[str, int] = {}
    rep_of = np.fromiter(
        (
            first.setdefault(t + "\x00" + b[:max_body], i)
            for i, (t, b) in enumerate(zip(titles, bodies, strict=True))
        ),
        dtype=np.int64,
        count=len(titles),
    )
    reps = np.unique(rep_of)
    xr = _vectorize([titles[i] for i in reps], [bodies[i] for i in reps], max_body, max_df)
    x = sp.csr_matrix(xr[np.searchsorted(reps, rep_of)])
    order = np.argsort(rep_of, kind="stable")
    bounds = np.searchsorted(rep_of[order], reps)
    copies = np.split(order, bounds[1:])  # copies[j]: all records equal to reps[j]
    rep_groups = _cluster(xr, k, threshold, max_cluster_frac)
    groups = [np.concatenate([copies[j] for j in g]) for g in rep_groups]
    groups = [g for g in groups if len(g) >= min_size]

    times = [r.time for r in recs if r.time is not None]
    t0 = start or (min(times) if times else None)
    t1 = end or (max(times) if times else None)
    mid = t0 + (t1 - t0) / 2 if t0 is not None and t1 is not None else None

    scored: list[tuple[float, np.ndarray, dict[str, Any]]] = []
    for g in groups:
        members = [recs[i] for i in g]
        # Support counts each appellant once (their best-supported message): one person re-posting
        # the same message does not multiply its likes.
        best: dict[Any, int] = {}
        for m in members:
            key = m.user if m.user else ("id", m.id)
            best[key] = max(best.get(key, 0), max(0, m.votes))
        votes = sum(best.values())
        users = {m.user for m in members if m.user}
        appellants = len(users) if users else len(members)
        if mid is not None:
            recent = sum(1 for m in members if m.time is not None and m.time >= mid)
            earlier = sum(1 for m in members if m.time is not None and m.time < mid)
        else:
            recent = earlier = 0
        growth = (recent + 1) / (earlier + 1)
        score = (
            math.log1p(appellants)
            + growth_weight * max(-1.0, min(2.0, math.log2(growth)))
            + support_weight * math.log1p(votes)
        )
        stats = {
            "votes": votes,
            "appellants": appellants,
            "recent": recent,
            "earlier": earlier,
            "growth": growth,
        }
        scored.append((score, g, stats))
    scored.sort(key=lambda s: -s[0])

    spots: list[Hotspot] = []
    for score, g, stats in scored[:top]:
        members = [recs[i] for i in g]
        sub = x[g]
        centroid = sp.csr_matrix(np.ones((1, len(g)))) @ sub  # sparse: only the cluster's own bigrams
        central = np.argsort(-(sub @ centroid.T).toarray().ravel(), kind="stable")
        gtitles = [titles[i] for i in g]
        kws = _keywords(gtitles[:60])
        place_counts = Counter(p for i in g[:200] for p in set(_places(titles[i] + " " + bodies[i][:100])))
        places = [p for p, c in place_counts.most_common(3) if c >= max(2, len(g) // 4)]
        label_parts: list[str] = []
        for w in places[:1] + kws:
            if not any(w in p or p in w for p in label_parts):
                label_parts.append(w)
        label = " ".join(label_parts[:4]) or gtitles[int(central[0])][:20]
        mtimes = [m.time for m in members if m.time is not None]
        areas = Counter(m.area for m in members if m.area)
        examples = [
            {
                "id": recs[g[j]].id,
                "title": recs[g[j]].title,
                "text": recs[g[j]].text[:200],
                "time": recs[g[j]].time.isoformat() if isinstance(recs[g[j]].time, dt.datetime) else None,
            }
            for j in central[:3]
        ]
        spots.append(
            Hotspot(
                label=label,
                score=score,
                size=len(members),
                ids=[m.id for m in members],
                examples=examples,
                keywords=kws,
                places=places,
                votes=int(stats["votes"]),
                growth=stats["growth"],
                recent=int(stats["recent"]),
                earlier=int(stats["earlier"]),
                appellants=int(stats["appellants"]),
                start=min(mtimes) if mtimes else None,
                end=max(mtimes) if mtimes else None,
                area=areas.most_common(1)[0][0] if areas else None,
            )
        )
    spots.sort(key=lambda h: -h.score)
    return spots[:top]


def records_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[HotspotRecord]:
    """Records from dict rows using English or the wenzheng Chinese column names."""
    aliases = {
        "id": ("id", "留言编号"),
        "title": ("title", "留言主题", "主题"),
        "text": ("text", "留言详情", "详情", "content"),
        "time": ("time", "留言时间", "时间"),
        "area": ("area", "area_code", "地区"),
        "votes": ("votes", "likes", "点赞数"),
        "user": ("user", "留言用户"),
    }
    out = []
    for i, row in enumerate(rows):
        vals: dict[str, Any] = {}
        for key, names in aliases.items():
            for nm in names:
                if nm in row and row[nm] is not None and row[nm] == row[nm]:  # skip NaN
                    vals[key] = row[nm]
                    break
        vals.setdefault("id", i)
        out.append(_as_record(vals))
    return out
