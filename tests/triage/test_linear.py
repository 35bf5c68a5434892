"""The compiled classifier: same numbers as scikit-learn, deterministic, honest evaluation helpers."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lianxin.triage.classifier import evaluate, load_model, prepare, train_model
from lianxin.triage.cli import main
from lianxin.triage.evaluation import grouped_folds, holdout_split, near_duplicate_groups
from lianxin.triage.linear import char_ngrams_all, fit_compiled

from .conftest import make_corpus

_ROOT = Path(__file__).resolve().parents[2]
# ../shared/ beside the project's checkout (a worktree may sit one level deeper); or LIANXIN_WENZHENG_DIR.
WENZHENG = next(
    (
        p
        for p in [Path(os.environ.get("LIANXIN_WENZHENG_DIR", "/nonexistent"))]
        + [base / "shared" / "data" / "wenzheng" for base in (_ROOT.parent, _ROOT.parent.parent)]
        if (p / "train_raw.csv").exists()
    ),
    _ROOT.parent / "shared" / "data" / "wenzheng",
)


def test_compiled_probabilities_equal_scikit_learn():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts, labels = make_corpus(20, seed=5)
    docs = prepare(texts)
    lin = fit_compiled(
        docs,
        labels,
        np.ones(len(docs)),
        ngram=(1, 3),
        min_df=1,
        max_features=None,
        sublinear_tf=False,
        C=1.0,
        class_weight=None,
        calibration_folds=3,
    )
    vec = TfidfVectorizer(analyzer=partial(char_ngrams_all, lo=1, hi=3), dtype=np.float32)
    x = vec.fit_transform(docs)
    cc = CalibratedClassifierCV(LinearSVC(C=1.0, random_state=0), method="sigmoid", cv=3, ensemble=False)
    cc.fit(x, np.asarray(labels))
    probe = prepare(make_corpus(3, seed=11)[0] + ["完全无关的一句话", ""])
    expected = cc.predict_proba(vec.transform(probe))
    got = np.vstack([lin.proba_from_scores(lin.scores(*lin.features(d)[:2])) for d in probe])
    assert lin.labels == [str(c) for c in cc.classes_]
    assert np.allclose(got, expected, atol=1e-5)


def test_training_is_deterministic(tmp_path):
    texts, labels = make_corpus(15, seed=2)
    a = train_model(texts, labels).save(tmp_path / "a.model")
    b = train_model(texts, labels).save(tmp_path / "b.model")
    ma, mb = load_model(a), load_model(b)
    probe = make_corpus(4, seed=8)[0]
    assert [p.top for p in ma.predict_many(probe)] == [p.top for p in mb.predict_many(probe)]
    assert np.array_equal(ma.linear.coef, mb.linear.coef)


def test_confidence_is_a_probability_and_top_is_sorted(toy_model):
    for text in make_corpus(4, seed=21)[0] + ["公交车", "？", "学校 噪音 社保 公交车"]:
        p = toy_model.predict(text, k=4)
        confs = [c for _, c in p.top]
        assert all(0.0 <= c <= 1.0 for c in confs)
        assert confs == sorted(confs, reverse=True)
        assert abs(sum(confs) - 1.0) < 1e-6  # k = all four labels
        assert p.confidence == confs[0]
        assert (p.label is None) == p.abstained


def test_two_labels_and_a_singleton_class_still_give_probabilities():
    texts, labels = make_corpus(10, seed=4)
    keep = [i for i, lab in enumerate(labels) if lab in ("交通运输", "教育文体")]
    two = train_model([texts[i] for i in keep], [labels[i] for i in keep])
    p = two.predict("公交车红绿灯道路拥堵", k=2)
    assert p.label == "交通运输"
    assert abs(sum(c for _, c in p.top) - 1.0) < 1e-6
    one_off = train_model([*texts, "菜市场卫生很差"], [*labels, "商贸旅游"])
    q = one_off.predict("学校老师补课", k=5)
    assert q.top[0][0] == "教育文体"
    assert abs(sum(c for _, c in q.top) - 1.0) < 1e-6


def test_eval_json_reports_latency_and_load_time(tmp_path, capsys):
    texts, labels = make_corpus(15)
    pd.DataFrame({"label": labels, "text": texts}).to_csv(tmp_path / "train.csv", index=False)
    test_texts, test_labels = make_corpus(3, seed=9)
    pd.DataFrame({"label": test_labels, "text": test_texts}).to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "m.model"
    assert main(["train", "--data", str(tmp_path / "train.csv"), "--model", str(model)]) == 0
    capsys.readouterr()
    assert main(["eval", "--data", str(tmp_path / "test.csv"), "--model", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["latency_ms"]) == {"p50", "p99", "max", "cpu_p50", "cpu_p99", "n"}
    assert report["latency_ms"]["n"] == len(test_texts)
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p99"] <= report["latency_ms"]["max"]
    assert report["extra"]["load_ms"] > 0
    assert {"accuracy", "macro_f1", "per_class", "confusion", "abstained", "n"} <= set(report)
    assert main(["eval", "--data", str(tmp_path / "test.csv"), "--model", str(model)]) == 0
    assert "one appeal at a time: p50" in capsys.readouterr().out


def test_near_copies_share_a_group_and_never_straddle_folds():
    base, labels = make_corpus(8, seed=6)
    texts = base + [t.replace("。", "！") for t in base[:6]]  # six reworded copies
    seg = [False] * len(base) + [True] * 6
    texts[len(base) :] = [" ".join(t.replace("！", "").split("，")) for t in texts[len(base) :]]
    y = np.asarray(labels + labels[:6])
    groups = near_duplicate_groups(texts, seg)
    for i in range(6):
        assert groups[i] == groups[len(base) + i]
    scored = ~np.asarray(seg)
    train, test = holdout_split(groups, scored, share=0.25, seed=1)
    assert not set(groups[train]) & set(groups[test])
    assert scored[test].all()
    assert len(test) > 0
    for tr, te in grouped_folds(train, y, groups, scored, folds=3):
        assert not set(groups[tr]) & set(groups[te])
        assert scored[te].all()


@pytest.mark.skipif(not (WENZHENG / "train_raw.csv").exists(), reason="wenzheng data not available")
def test_quality_floor_on_a_fixed_grouped_holdout():
    """Real messages: train on the raw file's groups outside a fixed 20 % holdout (near copies
    grouped), score the holdout. The shipped configuration scores 0.905 here (raw file only, no
    segmented extra data; 2026-12-03); 0.87 is the floor."""
    raw = pd.read_csv(WENZHENG / "train_raw.csv", dtype=str).fillna("")
    texts, labels = raw["text"].tolist(), raw["label"].tolist()
    groups = near_duplicate_groups(texts, [False] * len(texts))
    train, test = holdout_split(groups, np.ones(len(texts), dtype=bool), share=0.2, seed=7)
    model = train_model([texts[i] for i in train], [labels[i] for i in train])
    report = evaluate(model, [texts[i] for i in test], [labels[i] for i in test])
    assert report.n == len(test) > 300
    assert report.macro_f1 >= 0.87, report.macro_f1
    assert report.latency_ms["p50"] < 5.0


@pytest.mark.parametrize("sublinear", [False, True])
def test_nb_scaled_model_scores_are_its_linear_map_of_scikit_learn_tfidf(sublinear):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, labels = make_corpus(15, seed=12)
    docs = prepare(texts)
    lin = fit_compiled(
        docs,
        labels,
        np.ones(len(docs)),
        ngram=(1, 3),
        min_df=1,
        max_features=None,
        sublinear_tf=sublinear,
        C=2.0,
        class_weight=None,
        calibration_folds=3,
        nb_alpha=0.05,
    )
    assert lin.coef.shape == (len(lin.vocab), 4)
    assert lin.cal_a is not None
    vec = TfidfVectorizer(
        analyzer=partial(char_ngrams_all, lo=1, hi=3), sublinear_tf=sublinear, dtype=np.float32
    )
    vec.fit(docs)
    probe = prepare(make_corpus(2, seed=13)[0] + ["公交车公交车公交车，学校"])
    x = vec.transform(probe)
    order = np.array([lin.vocab[g] for g in vec.get_feature_names_out()])
    expected = np.asarray(x @ lin.coef[order]) + lin.intercept
    got = np.vstack([lin.scores(*lin.features(d)[:2]) for d in probe])
    assert np.allclose(got, expected, atol=1e-5)
