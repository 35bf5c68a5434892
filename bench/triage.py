"""Benchmark of the triage engine on the wenzheng data (see ../shared/data/wenzheng/README.md).

    .venv/bin/python bench/triage.py [--data-dir ../shared/data/wenzheng] [--quick] [--json OUT]

Prints: classifier macro-F1/accuracy (stratified group 5-fold CV on raw text, near copies grouped;
baseline, final model on raw only and final model with the pre-segmented extra data), training time,
classification latency (one appeal at a time), duplicate lookup latency against an index of
1,000,000 synthetic appeals (build time, memory) and hotspot extraction time on 60,000 synthetic
appeals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lianxin.triage.classifier import TrainOptions, cross_validate, load_model, prepare, train_model
from lianxin.triage.duplicates import DuplicateIndex
from lianxin.triage.hotspots import find_hotspots, records_from_rows


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def baseline_cv(texts: list[str], labels: list[str], folds: int) -> dict[str, float]:
    """The plain baseline: char 1-3-gram + jieba word TF-IDF (raw tf), LogisticRegression(C=1)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from lianxin.triage.text import clean, tokenize

    chars = [clean(t).lower() for t in texts]
    words = [" ".join(tokenize(c)) for c in chars]
    y = np.asarray(labels)
    pred = np.empty(len(y), dtype=object)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=42).split(chars, y):
        cv = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
        wv = TfidfVectorizer(analyzer=str.split)
        xtr = sp.hstack(
            [cv.fit_transform([chars[i] for i in tr]), wv.fit_transform([words[i] for i in tr])]
        ).tocsr()
        xte = sp.hstack([cv.transform([chars[i] for i in te]), wv.transform([words[i] for i in te])]).tocsr()
        clf = LogisticRegression(C=1.0, max_iter=1000).fit(xtr, y[tr])
        pred[te] = clf.predict(xte)
    return {
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
    }


def bench_classifier(data: Path, quick: bool, out: dict[str, Any]) -> None:
    raw = pd.read_csv(data / "train_raw.csv", dtype=str).fillna("")
    seg = pd.read_csv(data / "train_segmented.csv", dtype=str).fillna("")
    texts, labels = raw["text"].tolist(), raw["label"].tolist()
    folds = 3 if quick else 5
    res: dict[str, Any] = {"folds": folds, "n_raw": len(texts), "n_segmented": len(seg)}
    t = time.perf_counter()
    res["baseline_lr_char13_word"] = baseline_cv(texts, labels, folds)
    res["baseline_seconds"] = round(time.perf_counter() - t, 1)
    print(
        f"[classifier] baseline (char1-3 + word TF-IDF, LR C=1), {folds}-fold CV: "
        f"{res['baseline_lr_char13_word']}",
        flush=True,
    )
    t = time.perf_counter()
    res["final_raw_only"] = cross_validate(texts, labels, folds=folds)
    res["final_raw_only_seconds"] = round(time.perf_counter() - t, 1)
    print(f"[classifier] final model, raw only: {res['final_raw_only']}", flush=True)
    if not quick:
        t = time.perf_counter()
        all_texts = texts + seg["text_seg"].tolist()
        all_labels = labels + seg["label"].tolist()
        flags = [False] * len(texts) + [True] * len(seg)
        res["final_with_segmented"] = cross_validate(all_texts, all_labels, segmented=flags, folds=folds)
        res["final_with_segmented_seconds"] = round(time.perf_counter() - t, 1)
        print(
            "[classifier] final model + train_segmented.csv (near-copies grouped: a fold never trains on "
            f"a copy of a test message): {res['final_with_segmented']}",
            flush=True,
        )
    # Shipped training: both files.
    all_texts = texts + seg["text_seg"].tolist()
    all_labels = labels + seg["label"].tolist()
    flags = [False] * len(texts) + [True] * len(seg)
    prepare(["预热"])  # load the normalisation tables outside the timing
    t = time.perf_counter()
    model = train_model(all_texts, all_labels, segmented=flags, options=TrainOptions())
    res["train_seconds_both_files"] = round(time.perf_counter() - t, 1)
    saved = model.save(Path(os.environ.get("TMPDIR", "/tmp")) / "lianxin-bench-triage.model")
    t = time.perf_counter()
    model = load_model(saved)
    res["load_seconds"] = round(time.perf_counter() - t, 3)
    res["model_mb"] = round(saved.stat().st_size / 1e6, 1)
    sample = random.Random(0).sample(texts, 300 if quick else 1000)
    lat = []
    abstained = 0
    for s in sample:
        t0 = time.perf_counter()
        p = model.predict(s)
        lat.append((time.perf_counter() - t0) * 1000)
        abstained += p.abstained
    res["predict_ms_p50"] = round(pct(lat, 50), 2)
    res["predict_ms_p99"] = round(pct(lat, 99), 2)
    res["abstain_rate_on_train_texts"] = round(abstained / len(sample), 4)
    print(
        f"[classifier] training on both files: {res['train_seconds_both_files']} s; load "
        f"{res['load_seconds']} s "
        f"({res['model_mb']} MB); "
        f"predict one appeal: p50 {res['predict_ms_p50']} ms, p99 {res['predict_ms_p99']} ms",
        flush=True,
    )
    out["classifier"] = res


def fragments(data: Path) -> tuple[list[str], list[str]]:
    msgs = pd.read_csv(data / "messages_hotspot.csv", dtype=str).fillna("")
    titles = [t for t in msgs["留言主题"].tolist() if t]
    sentences: list[str] = []
    for body in msgs["留言详情"].tolist():
        sentences.extend(s for s in re.split(r"[。！？!?\n]", body) if 6 <= len(s) <= 120)
    return titles, sentences


def synth(titles: list[str], sentences: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rng.choice(titles)] + [rng.choice(sentences) for _ in range(rng.randint(1, 3))]
        out.append("。".join(parts)[:200])
    return out


def perturb(text: str, rng: random.Random) -> str:
    """Same issue, different words: drop and swap clauses, delete a few characters."""
    parts = [p for p in re.split(r"[。，,]", text) if p]
    if len(parts) > 2:
        parts.pop(rng.randrange(1, len(parts)))
    rng.shuffle(parts)
    s = "，".join(parts)
    chars = list(s)
    for _ in range(max(1, len(chars) // 15)):
        if chars:
            chars.pop(rng.randrange(len(chars)))
    return "".join(chars) + rng.choice(["，请尽快处理", "，希望有关部门重视", "！", "，谢谢"])


def bench_duplicates(data: Path, quick: bool, out: dict[str, Any]) -> None:
    n = 100_000 if quick else 1_000_000
    titles, sentences = fragments(data)
    t = time.perf_counter()
    texts = synth(titles, sentences, n, seed=1)
    gen_s = time.perf_counter() - t
    rss0 = rss_mb()
    idx = DuplicateIndex(flush_size=100_000)
    t = time.perf_counter()
    chunk = 100_000
    for lo in range(0, n, chunk):
        idx.add_many(list(range(lo, min(n, lo + chunk))), texts[lo : lo + chunk])
    idx.flush()
    build_s = time.perf_counter() - t
    rss1 = rss_mb()
    rng = random.Random(7)
    lat: list[float] = []
    found = 0
    targets = rng.sample(range(n), 500)
    for tid in targets:
        q = perturb(texts[tid], rng)
        t0 = time.perf_counter()
        hits = idx.query(q, k=5)
        lat.append((time.perf_counter() - t0) * 1000)
        found += any(h[0] == tid for h in hits)
    fresh = synth(titles, sentences, 500, seed=99)
    lat_fresh = []
    for q in fresh:
        t0 = time.perf_counter()
        idx.query(q, k=5)
        lat_fresh.append((time.perf_counter() - t0) * 1000)
    all_lat = lat + lat_fresh
    # Incremental add + query, as intake does it.
    add_lat = []
    for i, q in enumerate(fresh[:200]):
        t0 = time.perf_counter()
        idx.add(f"new{i}", q)
        add_lat.append((time.perf_counter() - t0) * 1000)
    res: dict[str, Any] = {
        "n_indexed": n,
        "synth_seconds": round(gen_s, 1),
        "build_seconds": round(build_s, 1),
        "index_array_mb": round(idx.memory_bytes() / 2**20, 1),
        "rss_growth_mb": round(rss1 - rss0, 1),
        "segments": len(idx._segments),
        "query_ms_p50": round(pct(all_lat, 50), 2),
        "query_ms_p99": round(pct(all_lat, 99), 2),
        "recall_at_5_perturbed": round(found / len(targets), 3),
        "add_ms_p50": round(pct(add_lat, 50), 3),
        "add_ms_p99": round(pct(add_lat, 99), 3),
    }
    print(
        f"[duplicates] {n:,} appeals: build {res['build_seconds']} s, "
        f"index arrays {res['index_array_mb']} MB "
        f"(RSS +{res['rss_growth_mb']} MB incl. texts); query p50 {res['query_ms_p50']} ms, p99 "
        f"{res['query_ms_p99']} ms; "
        f"recall@5 of perturbed copies {res['recall_at_5_perturbed']}; add p50 {res['add_ms_p50']} ms",
        flush=True,
    )
    out["duplicates"] = res
    del idx, texts


def bench_hotspots(data: Path, quick: bool, out: dict[str, Any]) -> None:
    n = 10_000 if quick else 60_000
    msgs = pd.read_csv(data / "messages_hotspot.csv", dtype=str).fillna("")
    rows = cast("list[dict[str, Any]]", msgs.to_dict("records"))
    rng = random.Random(3)
    base = dt.datetime(2024, 3, 1)
    sample: list[dict[str, Any]] = []
    for i in range(n):
        r = dict(rng.choice(rows))
        if rng.random() < 0.7:  # most resampled messages reworded a little, as re-posts are
            r["留言详情"] = perturb(r["留言详情"][:300], rng)
        r["留言编号"] = i
        r["留言时间"] = base + dt.timedelta(seconds=rng.randint(0, 30 * 86400))
        sample.append(r)
    recs = records_from_rows(sample)
    t = time.perf_counter()
    spots = find_hotspots(recs, top=20)
    secs = time.perf_counter() - t
    res: dict[str, Any] = {
        "n_appeals": n,
        "seconds": round(secs, 1),
        "top5": [{"label": h.label, "size": h.size, "score": round(h.score, 2)} for h in spots[:5]],
    }
    t = time.perf_counter()
    real = records_from_rows(
        [dict(r, 留言时间=pd.to_datetime(r["留言时间"], format="mixed").to_pydatetime()) for r in rows]
    )
    real_spots = find_hotspots(real, top=5)
    res["real_4326_seconds"] = round(time.perf_counter() - t, 1)
    res["real_top5"] = [{"label": h.label, "size": h.size, "votes": h.votes} for h in real_spots]
    print(
        f"[hotspots] {n:,} appeals in {res['seconds']} s; top: "
        + "; ".join(f"{h['label']} ({h['size']})" for h in res["top5"][:3]),
        flush=True,
    )
    print(
        "[hotspots] real messages_hotspot.csv top 5: "
        + "; ".join(f"{h['label']} ({h['size']})" for h in res["real_top5"]),
        flush=True,
    )
    out["hotspots"] = res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "wenzheng")
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 3 folds, no extra-data CV")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--only", choices=["classifier", "duplicates", "hotspots"], action="append")
    args = ap.parse_args(argv)
    data = Path(args.data_dir)
    if not (data / "train_raw.csv").exists():
        print(f"wenzheng data not found in {data} (pass --data-dir)", file=sys.stderr)
        return 2
    out: dict[str, Any] = {
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()},
        "quick": args.quick,
        "date": dt.date.today().isoformat(),
    }
    print(
        f"machine: {out['machine']['nproc']} cores, {out['machine']['cpu']}, Python "
        f"{out['machine']['python']}",
        flush=True,
    )
    parts = args.only or ["classifier", "duplicates", "hotspots"]
    if "classifier" in parts:
        bench_classifier(data, args.quick, out)
    if "hotspots" in parts:
        bench_hotspots(data, args.quick, out)
    if "duplicates" in parts:
        bench_duplicates(data, args.quick, out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
