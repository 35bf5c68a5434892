"""`lianxin triage ...`: train / eval the category classifier, find hotspots, assess text.

Exit codes: 0 success, 2 bad input (with a message saying what is wrong and how to fix it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_MODEL = Path("var/models/triage-category.model")
SEGMENTED_COLUMNS = ("text_seg", "segmented", "words")


class InputError(Exception):
    """Bad user input: printed as a message, exit code 2."""


def _read_table(path: str) -> Any:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030) or an XLSX file into a DataFrame of strings."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file — check the path given to --data")
    if p.is_dir():
        raise InputError(f"{path} is a directory — give a .csv or .xlsx file to --data")
    if p.stat().st_size == 0:
        raise InputError(f"{path} is empty — it needs a header row and at least two labelled rows")
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, dtype=str)
        elif suffix == ".xls":
            raise InputError(f"{path}: old .xls files are not supported — save it as .xlsx or CSV (UTF-8)")
        else:
            df = None
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    df = pd.read_csv(p, dtype=str, encoding=enc, keep_default_na=False)
                    break
                except UnicodeDecodeError:
                    continue
            if df is None:
                raise InputError(f"{path}: cannot decode the file as UTF-8 or GB18030 — save it as CSV UTF-8")
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot decode the file ({exc.reason}) — save it as CSV UTF-8") from exc
    except Exception as exc:  # pandas/openpyxl raise many kinds for malformed files
        raise InputError(
            f"{path}: cannot read it as {'XLSX' if suffix.startswith('.xls') else 'CSV'} ({exc}) — "
            "check the file format"
        ) from exc
    if df is None:  # unreachable (every branch reads or raises); narrows the type for mypy
        raise InputError(f"{path}: cannot read the file — check the file format")
    df.columns = [str(c).strip() for c in df.columns]
    return df.fillna("")


def _pick_text_col(df: Any, path: str, text_col: str | None) -> tuple[str, bool]:
    cols = list(df.columns)
    if text_col:
        if text_col not in cols:
            raise InputError(
                f"{path}: no column {text_col!r} (columns: {', '.join(cols)}) — pass the right --text-col"
            )
        return text_col, text_col in SEGMENTED_COLUMNS
    for c in ("text", "留言详情", "content", "内容"):
        if c in cols:
            return c, False
    for c in SEGMENTED_COLUMNS:
        if c in cols:
            return c, True
    raise InputError(
        f"{path}: no text column (columns: {', '.join(cols)}) — name it 'text' or pass --text-col"
    )


def _load_labelled(
    paths: Sequence[str], text_col: str | None, label_col: str
) -> tuple[list[str], list[str], list[bool]]:
    texts: list[str] = []
    labels: list[str] = []
    seg: list[bool] = []
    for path in paths:
        df = _read_table(path)
        tcol, is_seg = _pick_text_col(df, path, text_col)
        if label_col not in df.columns:
            raise InputError(
                f"{path}: no column {label_col!r} (columns: {', '.join(map(str, df.columns))}) — "
                "pass the right --label-col"
            )
        sub = df[(df[tcol].astype(str).str.strip() != "") & (df[label_col].astype(str).str.strip() != "")]
        if len(sub) == 0:
            raise InputError(
                f"{path}: no rows with both a text and a label — "
                f"fill in the {tcol!r} and {label_col!r} columns"
            )
        texts.extend(sub[tcol].astype(str).tolist())
        labels.extend(sub[label_col].astype(str).str.strip().tolist())
        seg.extend([is_seg] * len(sub))
    return texts, labels, seg


def _cmd_train(args: argparse.Namespace) -> int:
    from .classifier import TrainingDataError, train_model

    texts, labels, seg = _load_labelled(args.data, args.text_col, args.label_col)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(
            f"the training data has a single class ({classes[0]!r}) — "
            "a classifier needs examples of at least two labels"
        )
    if len(texts) < 2 * len(classes):
        print(
            f"warning: only {len(texts)} examples for {len(classes)} labels; predictions will be weak",
            file=sys.stderr,
        )
    overrides: dict[str, Any] = {}
    if args.threshold is not None:
        overrides["threshold"] = args.threshold
    try:
        model = train_model(
            texts,
            labels,
            segmented=seg,
            cv=args.cv,
            sources=[str(Path(p).name) for p in args.data],
            **overrides,
        )
    except TrainingDataError as exc:
        raise InputError(str(exc)) from exc
    path = model.save(args.model)
    s = model.summary
    print(
        f"trained {len(s['labels'])} labels on {s['n_examples']} examples "
        f"({s['n_segmented_examples']} pre-segmented) in {s['training_seconds']} s"
    )
    for lab, n in s["counts"].items():
        print(f"  {lab}: {n}")
    if "cv" in s:
        print(
            f"cross-validation ({s['cv']['folds']} folds, raw examples): "
            f"accuracy {s['cv']['accuracy']:.4f}, macro-F1 {s['cv']['macro_f1']:.4f}"
        )
        for row in s["cv"].get("by_confidence", []):
            print(
                f"  confidence >= {row['threshold']:.2f}: {row['coverage']:.1%} of messages labelled, "
                f"{row['accuracy']:.1%} of them right"
            )
    print(f"model written to {path} (summary: {path.name}.json)")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .classifier import ModelFormatError, evaluate, load_model

    started = time.perf_counter()
    try:
        model = load_model(args.model)
    except ModelFormatError as exc:
        raise InputError(f"{exc} — train one first with `lianxin triage train --data FILE`") from exc
    load_ms = (time.perf_counter() - started) * 1000
    texts, labels, seg = _load_labelled(args.data, args.text_col, args.label_col)
    if any(seg) and not all(seg):
        raise InputError("evaluate raw and pre-segmented files separately")
    report = evaluate(model, texts, labels, segmented=bool(seg and seg[0]))
    report.extra["load_ms"] = round(load_ms, 1)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    print(
        f"{report.n} examples: accuracy {report.accuracy:.4f}, macro-F1 {report.macro_f1:.4f}, "
        f"abstained {report.abstained}"
    )
    lat = report.latency_ms
    print(
        f"one appeal at a time: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms; "
        f"model loaded in {load_ms:.0f} ms"
    )
    width = max(len(n) for n in report.labels) + 2
    print(f"{'label':<{width}}precision  recall     f1  support")
    for name, m in report.per_class.items():
        print(f"{name:<{width}}{m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:6.3f} {m['support']:8d}")
    print("confusion matrix (rows = truth, columns = predicted, order as above):")
    for name, row in zip(report.labels, report.confusion, strict=True):
        print(f"{name:<{width}}" + " ".join(f"{v:5d}" for v in row))
    return 0


def _cmd_hotspots(args: argparse.Namespace) -> int:
    import pandas as pd

    from .hotspots import find_hotspots, records_from_rows

    df = _read_table(args.data)
    cols = set(df.columns)
    if not cols & {"title", "留言主题", "text", "留言详情"}:
        raise InputError(
            f"{args.data}: needs a 'title' or 'text' column (or 留言主题/留言详情); "
            f"found {', '.join(df.columns)}"
        )
    for tcol in ("time", "留言时间"):
        if tcol in cols:
            times = pd.to_datetime(df[tcol], errors="coerce", format="mixed")
            df[tcol] = [None if pd.isna(t) else t.to_pydatetime() for t in times]
    spots = find_hotspots(records_from_rows(df.to_dict("records")), top=args.top, min_size=args.min_size)
    if args.json:
        print(json.dumps([h.to_dict() for h in spots], ensure_ascii=False, default=str))
        return 0
    for rank, h in enumerate(spots, 1):
        print(
            f"{rank:2d}. {h.label}  score {h.score:.2f}  appeals {h.size}  votes {h.votes}  "
            f"growth x{h.growth:.1f}"
        )
        for ex in h.examples:
            print(f"      - [{ex['id']}] {ex['title'] or ex['text'][:40]}")
    if not spots:
        print("no hotspots found")
    return 0


def _cmd_assess(args: argparse.Namespace) -> int:
    from .text import mask_pii
    from .urgency import assess_urgency

    text = args.text if args.text is not None else sys.stdin.read()
    out: dict[str, Any] = {"masked": mask_pii(text)}
    u = assess_urgency(text)
    out["urgency"] = {"level": u.level, "triggers": u.triggers}
    if args.model:
        from .classifier import ModelFormatError, load_model

        try:
            p = load_model(args.model).predict(text)
        except ModelFormatError as exc:
            raise InputError(str(exc)) from exc
        out["category"] = {"label": p.label, "abstained": p.abstained, "top": p.top, "reason": p.reason}
    print(json.dumps(out, ensure_ascii=False))
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise InputError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="lianxin triage", description="Text triage engine: category classifier, hotspots, urgency."
    )
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train the category classifier from CSV/XLSX files")
    t.add_argument(
        "--data", action="append", required=True, help="CSV or XLSX with text and label columns (repeatable)"
    )
    t.add_argument(
        "--text-col", default=None, help="text column (default: text, or text_seg for pre-segmented files)"
    )
    t.add_argument("--label-col", default="label")
    t.add_argument("--model", default=str(DEFAULT_MODEL))
    t.add_argument("--cv", type=int, default=0, help="also run k-fold cross-validation and store the scores")
    t.add_argument(
        "--threshold", type=float, default=None, help="abstain below this confidence (default 0.5)"
    )
    t.set_defaults(func=_cmd_train)

    e = sub.add_parser("eval", help="evaluate a trained model on labelled data")
    e.add_argument("--data", action="append", required=True)
    e.add_argument("--model", default=str(DEFAULT_MODEL))
    e.add_argument("--text-col", default=None)
    e.add_argument("--label-col", default="label")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_eval)

    h = sub.add_parser("hotspots", help="rank hotspots in a CSV/XLSX of appeals")
    h.add_argument("--data", required=True)
    h.add_argument("--top", type=int, default=10)
    h.add_argument("--min-size", type=int, default=3)
    h.add_argument("--json", action="store_true")
    h.set_defaults(func=_cmd_hotspots)

    a = sub.add_parser("assess", help="mask PII, flag urgency (and classify with --model) one text")
    a.add_argument("text", nargs="?", default=None, help="the text (default: read stdin)")
    a.add_argument("--model", default=None)
    a.set_defaults(func=_cmd_assess)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args))
    except InputError as exc:
        print(f"lianxin triage: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
