"""`recall_classifier` (round 1, from seeds) and `recall_classifier_round2` (from domain verdicts)."""


import json
import shutil
from datetime import datetime, timezone
from typing import Iterable

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core import recall as recall_core
from mammoth_assets.core.recall_plots import plot_precision_recall
from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.resources import WarehouseResource, artifact_metadata
from mammoth_assets.warehouse import Warehouse


class RecallClassifierConfig(dg.Config):
    """fastText settings (paper: dim 256, 3 epochs, lr 0.1, word n-grams 3, min count 3)."""

    dim: int = Field(default=256, ge=2)
    epoch: int = Field(default=3, ge=1)
    lr: float = Field(default=0.1, gt=0)
    word_ngrams: int = Field(default=3, ge=2, description="Word n-grams up to this length (>= 2: see FastTextParams).")
    min_count: int = Field(default=3, ge=1)
    bucket: int = Field(default=2_000_000, ge=0, description="Hash buckets for n-grams; memory = bucket x dim x 4 bytes.")
    threads: int = Field(default=1, ge=1)
    seed: int = Field(default=0, description="Held-out split and training seed.")
    heldout_fraction: float = Field(default=0.1, gt=0, lt=1)
    threshold: float = Field(default=0.5, ge=0, le=1, description="Operating point for held-out precision/recall.")
    max_chars: int = Field(default=recall_core.DEFAULT_MAX_CHARS, ge=100)
    min_heldout_precision: float = Field(default=0.8, ge=0, le=1, description="Floor checked by the asset check.")
    min_heldout_recall: float = Field(default=0.8, ge=0, le=1, description="Floor checked by the asset check.")
    reliable_negative_fraction: float = Field(
        default=1.0, gt=0, le=1,
        description="1 = train on all negatives (paper). < 1 = PU refinement: retrain on the lowest-scoring "
        "fraction of negatives, for negative pools rich in positives (small or topical crawls).",
    )

    def params(self) -> recall_core.FastTextParams:
        return recall_core.FastTextParams(
            dim=self.dim, epoch=self.epoch, lr=self.lr, word_ngrams=self.word_ngrams,
            min_count=self.min_count, bucket=self.bucket, threads=self.threads, seed=self.seed,
        )


class RecallClassifierRound2Config(RecallClassifierConfig):
    """Round 2: positives from accepted domains (guarded by round 1), negatives from rejected
    domains and general pages that round 1 scored low."""

    num_positives: int = Field(default=100_000, ge=1)
    num_negatives: int = Field(default=100_000, ge=1)
    rejected_negative_share: float = Field(default=0.5, ge=0, le=1, description="At most this share of negatives from rejected domains.")
    min_positive_score: float = Field(default=0.5, ge=0, le=1, description="Round-1 score a page of an accepted domain needs to be a positive.")
    max_negative_score: float = Field(default=0.2, ge=0, le=1, description="Round-1 score a page must stay under to be a negative.")


def _train(
    warehouse: Warehouse, examples: Iterable[pl.DataFrame], config: RecallClassifierConfig, round_name: str
) -> tuple[recall_core.TrainedClassifier, dict]:
    workdir = warehouse.staging_dir("recall_train", round_name)
    try:
        trained = recall_core.train_with_heldout(
            examples, workdir, config.params(), config.heldout_fraction, config.threshold, config.max_chars,
            reliable_negative_fraction=config.reliable_negative_fraction,
        )
    except ValueError as error:
        raise dg.Failure(description=f"{round_name}: {error}") from error
    artefacts = paths.artifacts_dir("recall", round_name)
    model_path = artefacts / "model.bin"
    shutil.move(str(trained.model_path), model_path)
    trained.model_path = model_path
    trained.manifest.write_parquet(artefacts / "training_set.parquet")
    (workdir / "train.txt").unlink(missing_ok=True)
    record = {
        "round": round_name,
        "model_path": str(model_path),
        "model_sha256": artifact_metadata(model_path)["artifact_sha256"],
        "training_set_path": str(artefacts / "training_set.parquet"),
        "params": json.dumps(config.params().as_dict()),
        "train_positive": trained.train_counts["positive"],
        "train_negative": trained.train_counts["negative"],
        "train_negative_unlabelled": trained.train_counts.get("negative_unlabelled", trained.train_counts["negative"]),
        "heldout_positive": trained.heldout_counts["positive"],
        "heldout_negative": trained.heldout_counts["negative"],
        "empty_examples": trained.train_counts["empty"] + trained.heldout_counts["empty"],
        "threshold": config.threshold,
        "precision": trained.metrics.precision,
        "recall": trained.metrics.recall,
        "f1": trained.metrics.f1,
        "average_precision": trained.average_precision,
        "trained_at": datetime.now(timezone.utc),
    }
    return trained, record


def _metadata(trained: recall_core.TrainedClassifier, record: dict, curves: dict, marks: dict) -> dict:
    plot = plot_precision_recall(curves, _common.plot_path(f"{record['round']}_pr_curve"), marks=marks)
    return {
        **artifact_metadata(trained.model_path),
        "training_set": dg.MetadataValue.path(record["training_set_path"]),
        "heldout_precision": round(record["precision"], 4),
        "heldout_recall": round(record["recall"], 4),
        "heldout_f1": round(record["f1"], 4),
        "heldout_average_precision": round(record["average_precision"], 4),
        "train_positive": record["train_positive"],
        "train_negative": record["train_negative"],
        "train_negative_before_pu_refinement": record["train_negative_unlabelled"],
        "heldout_positive": record["heldout_positive"],
        "heldout_negative": record["heldout_negative"],
        "empty_examples_skipped": record["empty_examples"],
        "fasttext_params": dg.MetadataValue.json(json.loads(record["params"])),
        "pr_curve": _common.image_md(plot),
        "pr_curve_path": dg.MetadataValue.path(str(plot)),
    }


FLOORS_CHECK = "heldout_precision_recall_floors"


def _floors_spec(table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        FLOORS_CHECK, asset=table, blocking=True,
        description="Held-out precision and recall at the operating threshold (of the classifier stored in the "
        "warehouse) are at or above the configured min_heldout_precision / min_heldout_recall.",
    )


def floors_check(wh: Warehouse, table: str, config: RecallClassifierConfig) -> dg.AssetCheckResult:
    """The stored classifier's held-out metrics against the floors of the run's config."""
    row = latest_classifier(wh, table)
    passed = row["precision"] >= config.min_heldout_precision and row["recall"] >= config.min_heldout_recall
    return dg.AssetCheckResult(
        check_name=FLOORS_CHECK,
        passed=bool(passed),
        metadata={
            "precision": round(row["precision"], 4), "recall": round(row["recall"], 4),
            "min_precision": config.min_heldout_precision, "min_recall": config.min_heldout_recall,
            "heldout_examples": row["heldout_positive"] + row["heldout_negative"],
        },
    )  # fmt: skip


def latest_classifier(warehouse: Warehouse, table: str) -> dict:
    if not warehouse.table_exists(table):
        raise dg.Failure(description=f"no trained classifier: materialize {table} first")
    return _common.query(warehouse, "recall_classifier_latest", {"table": table}).row(0, named=True)


@dg.asset(
    deps=["recall_seeds"],
    group_name="recall",
    kinds={"fasttext", "duckdb"},
    check_specs=[_floors_spec("recall_classifier")],
    description="Round-1 fastText recall classifier trained on the seeds, with held-out metrics.",
)
def recall_classifier(config: RecallClassifierConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    examples = _common.batches(wh, "recall_seeds_training_rows", {"seed": str(config.seed)}, 20_000)
    trained, record = _train(wh, examples, config, "recall_classifier")
    wh.replace_table("recall_classifier", pl.DataFrame([record]))
    precision, recall_, _ = trained.curve
    metadata = _metadata(
        trained, record, {"round 1": (precision, recall_)},
        {"round 1": (record["precision"], record["recall"])},
    )
    return dg.MaterializeResult(
        metadata={"dagster/row_count": 1, **metadata}, check_results=[floors_check(wh, "recall_classifier", config)]
    )


def _round2_examples(wh: Warehouse, config: RecallClassifierRound2Config):
    """The round-2 training set, streamed in bounded batches (already interleaved by the SQL)."""
    params = {
        "max_chars": config.max_chars,
        "seed": str(config.seed),
        "min_positive_score": config.min_positive_score,
        "max_negative_score": config.max_negative_score,
        "num_positives": config.num_positives,
        "num_negatives": config.num_negatives,
        "rejected_limit": int(config.num_negatives * config.rejected_negative_share),
    }
    return _common.batches(wh, "recall_round2_training_rows", params, 20_000)


@dg.asset(
    deps=["domain_verdicts", "recall_scores_round1", "recall_seeds", "recall_classifier"],
    group_name="recall",
    kinds={"fasttext", "duckdb"},
    check_specs=[_floors_spec("recall_classifier_round2")],
    description="Round-2 fastText classifier: positives from domains the judge accepted and round 1 "
    "favours, negatives from rejected domains and general low-scoring pages.",
)
def recall_classifier_round2(config: RecallClassifierRound2Config, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    trained, record = _train(wh, _round2_examples(wh, config), config, "recall_classifier_round2")
    wh.replace_table("recall_classifier_round2", pl.DataFrame([record]))
    sources = trained.manifest.group_by("label", "source", "split").len().sort("label", "source", "split")

    # Round 1 on round 2's held-out split: the same examples scored by both models, side by side.
    round1 = latest_classifier(wh, "recall_classifier")
    truth = trained.heldout_labels
    scores1 = recall_core.score_normalized(recall_core.load_classifier(round1["model_path"]), trained.heldout_texts)
    scores2 = recall_core.score_normalized(recall_core.load_classifier(trained.model_path), trained.heldout_texts)
    m1 = recall_core.binary_metrics(scores1, truth, config.threshold)
    m2 = recall_core.binary_metrics(scores2, truth, config.threshold)
    p1, r1, _ = recall_core.precision_recall_curve(scores1, truth)
    p2, r2, _ = recall_core.precision_recall_curve(scores2, truth)
    metadata = _metadata(
        trained, record,
        {"round 1": (p1, r1), "round 2": (p2, r2)},
        {"round 1": (m1.precision, m1.recall), "round 2": (m2.precision, m2.recall)},
    )
    comparison = pl.DataFrame(
        {
            "metric": ["own held-out precision", "own held-out recall", "own held-out F1",
                       "round-2 held-out precision", "round-2 held-out recall", "round-2 held-out F1"],
            "round 1": [round1["precision"], round1["recall"], round1["f1"], m1.precision, m1.recall, m1.f1],
            "round 2": [record["precision"], record["recall"], record["f1"], m2.precision, m2.recall, m2.f1],
        }
    ).with_columns(pl.col("round 1").round(4), pl.col("round 2").round(4))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": 1,
            **metadata,
            "round2_training_sources": _common.markdown_table(sources),
            "rounds_side_by_side": _common.markdown_table(comparison),
            "round1_on_round2_heldout_precision": round(m1.precision, 4),
            "round1_on_round2_heldout_recall": round(m1.recall, 4),
        },
        check_results=[floors_check(wh, "recall_classifier_round2", config)],
    )
