from __future__ import annotations

import random
import string

import numpy as np
import pytest

from lianxin.triage.classifier import (
    MAGIC,
    ModelFormatError,
    TrainingDataError,
    confidence_table,
    cross_validate,
    evaluate,
    load_model,
    train_model,
)

from .conftest import make_corpus


def test_learns_a_separable_toy_set(toy_model):
    texts, labels = make_corpus(5, seed=99)
    report = evaluate(toy_model, texts, labels)
    assert report.accuracy >= 0.95
    p = toy_model.predict("学校的老师让学生周末去补课，幼儿园也一样")
    assert p.label == "教育文体"
    assert not p.abstained
    assert len(p.top) == 3
    assert p.top[0][1] >= p.top[1][1] >= p.top[2][1]


def test_probabilities_are_calibrated_and_sum_to_one(toy_model):
    texts, _ = make_corpus(3, seed=7)
    proba = toy_model.predict_proba(texts)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert ((proba >= 0) & (proba <= 1)).all()


def test_abstains_on_gibberish(toy_model):
    rng = random.Random(1)
    latin = " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(8))
    rare = "".join(chr(rng.randint(0x9F00, 0x9FA5)) for _ in range(30))
    for text in (latin, rare, "", "？？？！！"):
        p = toy_model.predict(text)
        assert p.abstained, text
        assert p.label is None, text
        assert "out of domain" in p.reason


def test_abstains_below_threshold(toy_model):
    text = "学校老师补课，公交车红绿灯拥堵"
    assert toy_model.predict(text, threshold=0.999).abstained
    assert not toy_model.predict(text, threshold=0.0).abstained


def test_save_load_roundtrip(toy_model, tmp_path):
    path = toy_model.save(tmp_path / "m" / "cat.model")
    assert (tmp_path / "m" / "cat.model.json").exists()
    loaded = load_model(path)
    text = "社保和养老保险一直没有办好，人社局不处理"
    assert loaded.predict(text) == toy_model.predict(text)
    assert loaded.labels == toy_model.labels


def test_unknown_format_version_refused(toy_model, tmp_path):
    path = toy_model.save(tmp_path / "cat.model")
    data = path.read_bytes()
    header_end = data.index(b"\n", len(MAGIC))
    bad = data[: len(MAGIC)] + b'{"format": 99, "engine_version": "9"}' + data[header_end:]
    path.write_bytes(bad)
    with pytest.raises(ModelFormatError, match="format version 99"):
        load_model(path)
    (tmp_path / "junk.model").write_bytes(b"not a model")
    with pytest.raises(ModelFormatError, match="not a Lianxin triage model"):
        load_model(tmp_path / "junk.model")


def test_refuses_bad_training_data():
    with pytest.raises(TrainingDataError):
        train_model([], [])
    with pytest.raises(TrainingDataError, match="one class"):
        train_model(["a b", "c d"], ["x", "x"])
    with pytest.raises(TrainingDataError):
        train_model(["a"], ["x", "y"])


def test_mixed_raw_and_segmented_training_and_cv():
    texts, labels = make_corpus(12, seed=3)
    seg_texts, seg_labels = make_corpus(12, seed=4)
    seg_texts = [" ".join(t.replace("，", " ").replace("。", "").split()) for t in seg_texts]
    flags = [False] * len(texts) + [True] * len(seg_texts)
    model = train_model(texts + seg_texts, labels + seg_labels, segmented=flags, cv=3)
    assert model.summary["n_segmented_examples"] == len(seg_texts)
    assert model.summary["cv"]["n_scored"] == len(texts)
    assert model.summary["cv"]["macro_f1"] > 0.9
    scores = cross_validate(texts, labels, folds=3)
    assert scores["accuracy"] > 0.9
    table = scores["by_confidence"]
    assert [row["threshold"] for row in table] == sorted(row["threshold"] for row in table)
    assert table[0]["coverage"] >= table[-1]["coverage"]  # a higher bar labels fewer messages


def test_confidence_table_counts_coverage_and_accuracy_above_each_threshold():
    correct = np.array([True, True, False, True, False])
    confidence = np.array([0.95, 0.85, 0.75, 0.55, 0.35])
    rows = {row["threshold"]: row for row in confidence_table(correct, confidence)}
    assert rows[0.3] == {"threshold": 0.3, "coverage": 1.0, "accuracy": 0.6}
    assert rows[0.5] == {"threshold": 0.5, "coverage": 0.8, "accuracy": 0.75}
    assert rows[0.8] == {"threshold": 0.8, "coverage": 0.4, "accuracy": 1.0}
    assert rows[0.95] == {"threshold": 0.95, "coverage": 0.2, "accuracy": 1.0}
    assert confidence_table(np.array([True]), np.array([0.2]))[0] == {
        "threshold": 0.3,
        "coverage": 0.0,
        "accuracy": 0.0,
    }
