"""fastText recall classifier (MAmmoTH2 stage 1): normalization, training, scoring, evaluation.

One normalization (`normalize_texts`) is used for training lines and for scoring, so a model never
sees text at scoring time that was prepared differently from what it was trained on. It is a
vectorised Polars expression: it runs in Rust over a whole batch, which keeps the scoring path close
to the raw fastText predict speed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import string
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import polars as pl

from mammoth_assets.core import recall_train

POSITIVE = "__label__pos"
NEGATIVE = "__label__neg"
DEFAULT_MAX_CHARS = 10_000

# One multi-pattern replacement pass (Aho-Corasick, no regex): ASCII digits to 0, punctuation to
# its own token, and newlines and Unicode spaces to spaces (fastText splits on ' ', \t, \v, \f,
# \r and \0 itself; a newline would end the example, and `predict` refuses it).
_PUNCTUATION = list(string.punctuation) + list("“”‘’«»„–—…¿¡·•©®°±×÷§¶€£¥")
_SPACES = ["\n", "\u00a0", "\u2009", "\u202f", "\u3000", "\u2028", "\u2029"]
_PATTERNS = list("0123456789") + _PUNCTUATION + _SPACES
_REPLACEMENTS = ["0"] * 10 + [f" {p} " for p in _PUNCTUATION] + [" "] * len(_SPACES)


@dataclass(frozen=True)
class FastTextParams:
    """fastText supervised settings; defaults are the MAmmoTH2 paper's (DESIGN.md section 6)."""

    dim: int = 256
    epoch: int = 3
    lr: float = 0.1
    word_ngrams: int = 3
    min_count: int = 3
    bucket: int = 2_000_000
    # fastText training is not bit-reproducible even on one thread (scores drift by ~0.05 between
    # runs here); data, splits and seeds are. More threads train faster and drift more.
    threads: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.word_ngrams < 2:
            # fasttext-numpy2 0.10.4 diverges ("Encountered NaN") with word n-grams of 1, and
            # corrupts every later training in the same process.
            raise ValueError("word_ngrams must be at least 2 with this fastText build")

    def as_fasttext_kwargs(self) -> dict:
        return {
            "dim": self.dim,
            "epoch": self.epoch,
            "lr": self.lr,
            "wordNgrams": self.word_ngrams,
            "minCount": self.min_count,
            "bucket": self.bucket,
            "thread": self.threads,
            "seed": self.seed,
            "loss": "softmax",
            "verbose": 0,
        }

    def as_dict(self) -> dict:
        return asdict(self)


# -- normalization ---------------------------------------------------------------------------
def normalize_expr(column: str | pl.Expr, max_chars: int = DEFAULT_MAX_CHARS) -> pl.Expr:
    """Cut to `max_chars` characters, lowercase, ASCII digits to 0, punctuation split into its own
    tokens, newlines and Unicode spaces to spaces, outer whitespace stripped. Null becomes the empty
    string. Runs of spaces are left alone: fastText tokenizes on them anyway."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.fill_null("")
        .str.slice(0, max_chars)
        .str.to_lowercase()
        .str.replace_many(_PATTERNS, _REPLACEMENTS)
        .str.strip_chars()
    )


def normalize_texts(texts: pl.Series | Sequence[str | None], max_chars: int = DEFAULT_MAX_CHARS) -> pl.Series:
    series = texts if isinstance(texts, pl.Series) else pl.Series("text", list(texts), dtype=pl.String)
    return series.to_frame("text").select(normalize_expr("text", max_chars))["text"]


def normalize_text(text: str | None, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    return normalize_texts([text], max_chars)[0]


def training_lines(labels: pl.Series, texts: pl.Series, max_chars: int = DEFAULT_MAX_CHARS) -> pl.Series:
    """fastText training lines `__label__pos <normalized text>`; rows with no text are left out
    by the caller (see `write_training_file`)."""
    frame = pl.DataFrame({"label": labels, "text": texts})
    return frame.select(
        pl.concat_str(
            [
                pl.when(pl.col("label") == "positive").then(pl.lit(POSITIVE)).otherwise(pl.lit(NEGATIVE)),
                normalize_expr("text", max_chars),
            ],
            separator=" ",
        ).alias("line")
    )["line"]


def write_training_file(
    batches: Iterable[pl.DataFrame], path: Path, max_chars: int = DEFAULT_MAX_CHARS
) -> dict[str, int]:
    """Write fastText lines from batches with `label` ('positive'/'negative') and `text` columns.
    Returns counts per label; rows whose normalized text is empty are counted as `empty`."""
    counts = {"positive": 0, "negative": 0, "empty": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for batch in batches:
            normalized = batch.select(
                pl.col("label"), normalize_expr("text", max_chars).alias("norm")
            )
            empty = normalized["norm"].str.len_chars() == 0
            counts["empty"] += int(empty.sum())
            kept = normalized.filter(~empty)
            for label in ("positive", "negative"):
                counts[label] += int((kept["label"] == label).sum())
            lines = training_lines(kept["label"], kept["norm"], max_chars=max_chars)
            if len(lines):
                handle.write("\n".join(lines.to_list()))
                handle.write("\n")
    return counts


# -- training and scoring --------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    pass


def train_classifier(train_file: Path, params: FastTextParams, model_path: Path):
    """Train a fastText supervised model on `train_file` in a child process (see recall_train),
    save it to `model_path` and return it loaded. A diverged run ("Encountered NaN") is retried
    with the next seed and half the learning rate; the third divergence is raised."""
    model_path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        kwargs = params.as_fasttext_kwargs() | {"seed": params.seed + attempt, "lr": params.lr / 2**attempt}
        spec = json.dumps({"input": str(train_file), "output": str(model_path), "kwargs": kwargs})
        done = subprocess.run(
            [sys.executable, "-m", "mammoth_assets.core.recall_train", spec], capture_output=True, text=True
        )
        if done.returncode == 0:
            return load_classifier(model_path)
        if done.returncode != recall_train.DIVERGED:
            raise RuntimeError(f"fastText training failed: {done.stderr.strip()[-2000:]}")
    raise TrainingDiverged(f"fastText training diverged (NaN) three times on {train_file}")


def load_classifier(model_path: Path | str):
    """Load a fastText model; a process scoring several partitions loads each file once."""
    path = Path(model_path)
    stat = path.stat()
    return _load_classifier(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _load_classifier(path: str, mtime_ns: int, size: int):
    import fasttext

    return fasttext.load_model(path)


def score_normalized(model, normalized: Sequence[str]) -> np.ndarray:
    """P(positive) for each already-normalized line. An empty line has no evidence: it scores 0
    (fastText would answer with its label prior)."""
    return score_lines(model, [line + "\n" for line in normalized])


def score_lines(model, lines: Sequence[str]) -> np.ndarray:
    """`score_normalized` for lines that already end with a newline (and hold no other one), as
    Polars makes them in bulk: fastText's own `predict` checks and copies every line in Python,
    about 5% of a whole scoring pass, so this calls its batch predictor directly."""
    if not len(lines):
        return np.zeros(0, dtype=np.float64)
    labels, probs = model.f.multilinePredict(list(lines), 1, 0.0, "strict")
    p = np.fromiter((min(float(v[0]), 1.0) if len(v) else 0.0 for v in probs), dtype=np.float64, count=len(lines))
    positive = np.fromiter((bool(l) and l[0] == POSITIVE for l in labels), dtype=bool, count=len(lines))
    empty = np.fromiter((len(line) <= 1 for line in lines), dtype=bool, count=len(lines))
    return np.where(empty, 0.0, np.where(positive, p, 1.0 - p))


def score_texts(model, texts: pl.Series | Sequence[str | None], max_chars: int = DEFAULT_MAX_CHARS) -> np.ndarray:
    """Normalize raw texts the training way, then score them."""
    return score_normalized(model, normalize_texts(texts, max_chars).to_list())


# -- splits and evaluation -------------------------------------------------------------------
def stable_fraction(key: str, seed: int = 0) -> float:
    """A number in [0, 1) fixed by (key, seed): reproducible across runs, machines and versions."""
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def heldout_mask(keys: Iterable[str], fraction: float, seed: int = 0) -> np.ndarray:
    return np.array([stable_fraction(k, seed) < fraction for k in keys], dtype=bool)


@dataclass(frozen=True)
class BinaryMetrics:
    threshold: float
    precision: float
    recall: float
    f1: float
    accuracy: float
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def support(self) -> int:
        return self.true_positives + self.false_positives + self.false_negatives + self.true_negatives

    def as_dict(self) -> dict:
        return asdict(self)


def binary_metrics(scores: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> BinaryMetrics:
    """Precision/recall/F1 of `scores >= threshold` against boolean `labels`.
    Precision is 0 when nothing is predicted positive; recall 0 when there are no positives."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    predicted = scores >= threshold
    tp = int(np.sum(predicted & labels))
    fp = int(np.sum(predicted & ~labels))
    fn = int(np.sum(~predicted & labels))
    tn = int(np.sum(~predicted & ~labels))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = (tp + tn) / len(labels) if len(labels) else 0.0
    return BinaryMetrics(threshold, precision, recall, f1, accuracy, tp, fp, fn, tn)


def precision_recall_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds), one point per distinct score, thresholds descending."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    if not len(scores):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_labels = scores[order], labels[order]
    distinct = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(sorted_scores) - 1]
    tp = np.cumsum(sorted_labels)[distinct]
    fp = (distinct + 1) - tp
    positives = max(int(labels.sum()), 1)
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / positives
    return precision, recall, sorted_scores[distinct]


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(scores, labels)
    if not len(recall):
        return 0.0
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def keep_reliable_negatives(model, train_file: Path, fraction: float) -> int:
    """Rewrite `train_file` keeping every positive line and the `fraction` of negative lines the
    model scores lowest (ties broken by line order). Returns the negatives kept."""
    lines = train_file.read_text(encoding="utf-8").splitlines()
    negatives = [i for i, line in enumerate(lines) if line.startswith(NEGATIVE + " ")]
    texts = [lines[i][len(NEGATIVE) + 1 :] for i in negatives]
    scores = score_normalized(model, texts)
    keep = max(1, int(round(fraction * len(negatives)))) if negatives else 0
    order = np.argsort(scores, kind="stable")[:keep]
    kept = {negatives[i] for i in order}
    with open(train_file, "w", encoding="utf-8") as handle:
        for i, line in enumerate(lines):
            if not line.startswith(NEGATIVE + " ") or i in kept:
                handle.write(line + "\n")
    return keep


# -- one training run with a held-out split --------------------------------------------------
@dataclass
class TrainedClassifier:
    model_path: Path
    train_counts: dict[str, int]
    heldout_counts: dict[str, int]
    metrics: BinaryMetrics
    average_precision: float
    curve: tuple[np.ndarray, np.ndarray, np.ndarray]  # precision, recall, thresholds
    manifest: pl.DataFrame  # example_id, label, source, split: what the model was trained on
    heldout_texts: list[str]  # normalized held-out texts, to score other models on the same split
    heldout_labels: np.ndarray


def train_with_heldout(
    batches: Iterable[pl.DataFrame],
    workdir: Path,
    params: FastTextParams,
    heldout_fraction: float = 0.1,
    threshold: float = 0.5,
    max_chars: int = DEFAULT_MAX_CHARS,
    reliable_negative_fraction: float = 1.0,
) -> TrainedClassifier:
    """Stream labelled examples (`example_id`, `label`, `source`, `text`) into a fastText training
    file, keeping a stable held-out split (by example id, seeded with `params.seed`) aside; train,
    then evaluate on the held-out examples.

    `reliable_negative_fraction` < 1 turns on a positive-unlabelled (PU) refinement: random
    negatives are unlabelled pages, and when many of them are in fact positives (a pool far richer
    in educational pages than Common Crawl's <1%), the first model is used to keep only the
    lowest-scoring fraction of the training negatives, and the model is trained again on those."""
    workdir.mkdir(parents=True, exist_ok=True)
    train_file = workdir / "train.txt"
    heldout_texts: list[str] = []
    heldout_labels: list[bool] = []
    manifests: list[pl.DataFrame] = []
    train_counts = {"positive": 0, "negative": 0, "empty": 0}
    heldout_counts = {"positive": 0, "negative": 0, "empty": 0}

    def training_part():
        for batch in batches:
            if not batch.height:
                continue
            mask = pl.Series(heldout_mask(batch["example_id"].to_list(), heldout_fraction, params.seed))
            normalized = batch.with_columns(normalize_expr("text", max_chars).alias("text"))
            empty = normalized["text"].str.len_chars() == 0
            manifests.append(
                batch.select("example_id", "label", "source").with_columns(
                    pl.when(empty).then(pl.lit("empty")).when(mask).then(pl.lit("heldout"))
                    .otherwise(pl.lit("train")).alias("split")
                )
            )
            held = normalized.filter(mask & ~empty)
            heldout_texts.extend(held["text"].to_list())
            heldout_labels.extend((held["label"] == "positive").to_list())
            for label in ("positive", "negative"):
                heldout_counts[label] += int((held["label"] == label).sum())
            heldout_counts["empty"] += int((mask & empty).sum())
            yield normalized.filter(~mask)

    counts = write_training_file(training_part(), train_file, max_chars=max_chars)
    train_counts.update(counts)
    if not counts["positive"] or not counts["negative"]:
        raise ValueError(
            f"training needs both classes; got {counts['positive']} positive and "
            f"{counts['negative']} negative non-empty training examples"
        )
    model = train_classifier(train_file, params, workdir / "model.bin")
    if reliable_negative_fraction < 1.0:
        kept = keep_reliable_negatives(model, train_file, reliable_negative_fraction)
        train_counts["negative_unlabelled"] = train_counts["negative"]
        train_counts["negative"] = kept
        model = train_classifier(train_file, params, workdir / "model.bin")
    scores = score_normalized(model, heldout_texts)
    labels = np.array(heldout_labels, dtype=bool)
    manifest = pl.concat(manifests) if manifests else pl.DataFrame(
        schema={"example_id": pl.String, "label": pl.String, "source": pl.String, "split": pl.String}
    )
    return TrainedClassifier(
        model_path=workdir / "model.bin",
        train_counts=train_counts,
        heldout_counts=heldout_counts,
        metrics=binary_metrics(scores, labels, threshold),
        average_precision=average_precision(scores, labels),
        curve=precision_recall_curve(scores, labels),
        manifest=manifest,
        heldout_texts=heldout_texts,
        heldout_labels=labels,
    )
