"""fastText recall core: normalization, training/scoring round trip, splits and metrics."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mammoth_assets.core import recall
from mammoth_assets.core.recall import FastTextParams

SMALL = FastTextParams(dim=16, epoch=25, min_count=1, word_ngrams=2, bucket=10_000)


def test_normalization_lowercases_splits_punctuation_and_collapses_lines():
    normalized = recall.normalize_text("What is  2+2?\nAnswer:\t4.\u00a0Done")
    assert "\n" not in normalized
    assert normalized.split() == "what is 0 + 0 ? answer : 0 . done".split()
    assert recall.normalize_text(None) == ""
    assert recall.normalize_text("abcdef", max_chars=3) == "abc"


def test_normalization_is_the_same_for_training_lines_and_scoring():
    texts = pl.Series(["Solve: x^2 = 4\nx = ±2", "Ünïcode Straße 12"])
    lines = recall.training_lines(pl.Series(["positive", "negative"]), texts)
    normalized = recall.normalize_texts(texts)
    assert lines.to_list() == [
        f"{recall.POSITIVE} {normalized[0]}",
        f"{recall.NEGATIVE} {normalized[1]}",
    ]
    assert all("\n" not in line for line in lines)


EDU = "question solve equation answer step proof derivative integral exercise solution theorem".split()
SHOP = "buy cheap shoes today free shipping order shop discount cart price coupon".split()


def _sentences(words: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(14)) + f" {rng.randint(1, 99)}." for _ in range(count)]


def _toy_batches():
    positives = _sentences(EDU, 60, seed=1)
    negatives = _sentences(SHOP, 60, seed=2)
    return [
        pl.DataFrame({"label": ["positive"] * 60, "text": positives}),
        pl.DataFrame({"label": ["negative"] * 59 + ["negative"], "text": negatives[:59] + ["  \n "]}),
    ]


def test_train_and_score_separates_toy_classes(tmp_path: Path):
    counts = recall.write_training_file(_toy_batches(), tmp_path / "train.txt")
    assert counts == {"positive": 60, "negative": 59, "empty": 1}
    assert len((tmp_path / "train.txt").read_text().splitlines()) == 119
    recall.train_classifier(tmp_path / "train.txt", SMALL, tmp_path / "model.bin")
    model = recall.load_classifier(tmp_path / "model.bin")
    scores = recall.score_texts(model, ["Solve the equation, show the answer step", "cheap shoes shop discount", "", None])
    assert scores[0] > 0.5 > scores[1]
    assert scores[2] == 0.0 and scores[3] == 0.0  # no text, no evidence


def test_retraining_gives_the_same_decisions(tmp_path: Path):
    """fastText is not bit-reproducible (its own floating point races), but the decisions are."""
    recall.write_training_file(_toy_batches(), tmp_path / "train.txt")
    a = recall.train_classifier(tmp_path / "train.txt", SMALL, tmp_path / "a.bin")
    b = recall.train_classifier(tmp_path / "train.txt", SMALL, tmp_path / "b.bin")
    probe = ["show the answer", "free shipping", "solve the equation step by step"]
    scores_a, scores_b = recall.score_texts(a, probe), recall.score_texts(b, probe)
    assert np.allclose(scores_a, scores_b, atol=0.15)
    assert np.array_equal(scores_a >= 0.5, scores_b >= 0.5)


def test_stable_fraction_and_heldout_mask_are_reproducible():
    keys = [f"doc-{i}" for i in range(2000)]
    mask = recall.heldout_mask(keys, 0.2, seed=7)
    assert np.array_equal(mask, recall.heldout_mask(keys, 0.2, seed=7))
    assert not np.array_equal(mask, recall.heldout_mask(keys, 0.2, seed=8))
    assert 0.16 < mask.mean() < 0.24
    assert recall.stable_fraction("x", 1) == recall.stable_fraction("x", 1)


def test_binary_metrics_counts():
    scores = np.array([0.9, 0.8, 0.4, 0.3, 0.6])
    labels = np.array([True, False, True, False, True])
    m = recall.binary_metrics(scores, labels, 0.5)
    assert (m.true_positives, m.false_positives, m.false_negatives, m.true_negatives) == (2, 1, 1, 1)
    assert m.precision == pytest.approx(2 / 3) and m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 / 3) and m.support == 5
    empty = recall.binary_metrics(np.array([0.1]), np.array([False]), 0.5)
    assert empty.precision == 0.0 and empty.recall == 0.0


def test_precision_recall_curve_matches_hand_computed_points():
    scores = np.array([0.9, 0.8, 0.8, 0.1])
    labels = np.array([True, False, True, False])
    precision, recall_, thresholds = recall.precision_recall_curve(scores, labels)
    assert thresholds.tolist() == [0.9, 0.8, 0.1]
    assert precision.tolist() == pytest.approx([1.0, 2 / 3, 0.5])
    assert recall_.tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert recall.average_precision(scores, labels) == pytest.approx(0.5 * 1.0 + 0.5 * 2 / 3)


def test_classifier_on_real_labelled_web_documents(shared_data: Path, tmp_path: Path):
    """DCLM's human-agreement documents (real CC text, 0/1 labels): train on most, score the
    held-out rest; the ranking must beat chance clearly."""
    path = shared_data / "web" / "mlfoundations__dclm" / "data" / "agreement_data.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not in shared data")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    frame = pl.DataFrame(
        {
            "key": [str(i) for i in range(len(rows))],
            "label": ["positive" if int(r["label"]) else "negative" for r in rows],
            "text": [r["text"] for r in rows],
        }
    )
    heldout = recall.heldout_mask(frame["key"], 0.3, seed=0)
    train, test = frame.filter(~pl.Series(heldout)), frame.filter(pl.Series(heldout))
    recall.write_training_file([train], tmp_path / "train.txt")
    params = FastTextParams(dim=32, epoch=10, min_count=1, word_ngrams=2, bucket=50_000)
    model = recall.train_classifier(tmp_path / "train.txt", params, tmp_path / "m.bin")
    scores = recall.score_texts(model, test["text"])
    labels = (test["label"] == "positive").to_numpy()
    base_rate = labels.mean()
    assert recall.average_precision(scores, labels) > base_rate + 0.1


def test_train_with_heldout_keeps_split_apart_and_reports_metrics(tmp_path: Path):
    rows = []
    texts = iter(_sentences(EDU, 100, seed=3) + _sentences(SHOP, 100, seed=4))
    for i in range(200):
        positive = i < 100
        rows.append({"example_id": f"e{i}", "label": "positive" if positive else "negative", "source": "t", "text": next(texts)})
    rows.append({"example_id": "blank", "label": "negative", "source": "t", "text": "   "})
    frame = pl.DataFrame(rows)
    batches = [frame.slice(0, 120), frame.slice(120)]
    trained = recall.train_with_heldout(batches, tmp_path / "run", SMALL, heldout_fraction=0.25)
    splits = trained.manifest.group_by("split").len().sort("split")
    heldout = int(splits.filter(pl.col("split") == "heldout")["len"][0])
    assert heldout == trained.metrics.support
    assert heldout + trained.train_counts["positive"] + trained.train_counts["negative"] == 200
    assert trained.manifest.filter(pl.col("split") == "empty")["example_id"].to_list() == ["blank"]
    assert trained.metrics.precision == 1.0 and trained.metrics.recall == 1.0
    assert trained.model_path.exists()
    precision, recall_, _ = trained.curve
    assert len(precision) == len(recall_) > 0


def test_train_with_heldout_refuses_one_class(tmp_path: Path):
    frame = pl.DataFrame({"example_id": ["a", "b"], "label": ["positive"] * 2, "source": ["t"] * 2, "text": ["x y", "y z"]})
    with pytest.raises(ValueError, match="both classes"):
        recall.train_with_heldout([frame], tmp_path, SMALL, heldout_fraction=0.0)


def test_unigram_only_models_are_refused():
    with pytest.raises(ValueError, match="word_ngrams"):
        FastTextParams(word_ngrams=1)
