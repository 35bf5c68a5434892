"""Benchmark of the opinion-groups engine (lianxin/opinions).

    .venv/bin/python bench/opinions_bench.py [--participants 10000] [--statements 1000]
        [--votes-each 50 100] [--repeat 3] [--seeds 10] [--data-dir ../shared/data/polis] [--json OUT]

1. Speed: a synthetic conversation (three latent camps of 50 / 30 / 20 %, each statement with its
   own agree probability per camp, mostly divisive, every participant voting on `--votes-each`
   statements drawn with a popularity skew), analysed `--repeat` times; the median and min–max
   wall time of `analyse` (the votes already in memory), and how well the camps are recovered
   (ARI against the latent camps).
2. Agreement with Pol.is on the real conversations in `--data-dir` (CC BY 4.0, The Computational
   Democracy Project): group counts vs Pol.is's and the adjusted Rand index over the participants
   both placed, for `--seeds` seeds (mean, min, max); once as Pol.is runs it (moderated-out
   comments named) and once from the kept votes alone.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lianxin.opinions import Analysis, analyse
from lianxin.opinions.polis_export import read_conversation, read_votes, reference_groups

CONVERSATIONS = ("15-per-hour-seattle", "canadian-electoral-reform", "scoop-hivemind.biodiversity")


def synthetic(n: int, m: int, each: int, seed: int = 0) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    rng = np.random.default_rng(seed)
    camp = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    p_agree = rng.beta(0.4, 0.4, size=(3, m))  # mostly divisive statements
    p_pass = 0.15
    popularity = rng.zipf(1.6, size=m).astype(float)
    popularity /= popularity.sum()
    popularity = 0.5 * popularity + 0.5 / m
    votes: list[tuple[str, str, int]] = []
    for i in range(n):
        seen = rng.choice(m, size=min(each, m), replace=False, p=popularity)
        u = rng.random(len(seen))
        agree = u < p_agree[camp[i], seen] * (1 - p_pass)
        passed = u > 1 - p_pass
        vals = np.where(agree, 1, np.where(passed, 0, -1))
        votes.extend((f"p{i}", f"s{j}", int(v)) for j, v in zip(seen, vals, strict=True))
    return votes, {f"p{i}": int(c) for i, c in enumerate(camp)}


def speed(args: argparse.Namespace, each: int) -> dict[str, object]:
    t0 = time.perf_counter()
    votes, camps = synthetic(args.participants, args.statements, each)
    gen = time.perf_counter() - t0
    times, result = [], None
    for r in range(args.repeat):
        t0 = time.perf_counter()
        result = analyse(votes, seed=r)
        times.append(time.perf_counter() - t0)
    assert result is not None
    mine = {p: g.id for g in result.groups for p in g.participants}
    both = [p for p in camps if p in mine]
    return {
        "participants": args.participants,
        "statements": args.statements,
        "votes": len(votes),
        "generate_s": round(gen, 2),
        "median_s": round(statistics.median(times), 2),
        "min_s": round(min(times), 2),
        "max_s": round(max(times), 2),
        "groups": len(result.groups),
        "placed": len(result.participants_in),
        "ari_vs_camps": round(adjusted_rand_score([camps[p] for p in both], [mine[p] for p in both]), 3),
    }


def agreement(data_dir: Path, seeds: int) -> dict[str, dict[str, object]]:
    """Per conversation and mode: "polis" = Conversation.analyse (moderated-out comments named, as
    Pol.is treats them); "votes_only" = analyse(read_votes(dir)) without that information."""
    out: dict[str, dict[str, object]] = {}
    for name in CONVERSATIONS:
        directory = data_dir / name
        if not directory.is_dir():
            continue
        conv, ref = read_conversation(directory), reference_groups(directory)
        plain = read_votes(directory)
        modes: dict[str, Callable[..., Analysis]] = {
            "polis": conv.analyse,
            "votes_only": functools.partial(analyse, plain),
        }
        row: dict[str, object] = {"polis_groups": len(set(ref.values())), "polis_grouped": len(ref)}
        for mode, run in modes.items():
            aris, ks, secs, n_both = [], [], [], 0
            for seed in range(seeds):
                t0 = time.perf_counter()
                a = run(seed=seed)
                secs.append(time.perf_counter() - t0)
                mine = {p: g.id for g in a.groups for p in g.participants}
                both = [p for p in ref if p in mine]
                n_both = len(both)
                aris.append(adjusted_rand_score([ref[p] for p in both], [mine[p] for p in both]))
                ks.append(len(a.groups))
            row[mode] = {
                "groups": sorted(set(ks)),
                "ari_seed0": round(aris[0], 3),
                "ari_mean": round(statistics.mean(aris), 3),
                "ari_min": round(min(aris), 3),
                "ari_max": round(max(aris), 3),
                "both_placed": n_both,
                "median_s": round(statistics.median(secs), 3),
            }
        out[name] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--votes-each", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polis",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        args.data_dir = Path("/work/shared/data/polis")
    report = {
        "machine": (
            f"{os.cpu_count()} CPU, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}"
        ),
        "speed": [speed(args, each) for each in args.votes_each],
        "polis": agreement(args.data_dir, args.seeds),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
