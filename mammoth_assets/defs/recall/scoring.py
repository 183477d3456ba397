"""Per-dump scoring: `recall_scores_round1` (round-1 model) and `recalled_documents` (round 2).

Documents stream from the warehouse in bounded batches; only (dump, doc_id, score, has_text) is
staged, and one transaction joins the scores back to `web_documents` and applies the threshold in
SQL. Every document gets a row and a score, so the threshold can later change without re-scoring.
"""


import time
from dataclasses import dataclass

import dagster as dg
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from mammoth_assets.core import recall as recall_core
from mammoth_assets.core.recall_plots import plot_score_histogram
from mammoth_assets.defs.partitions import cc_dump_partitions
from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.recall.classifier import latest_classifier
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import ParquetStager, Warehouse

STAGED_SCHEMA = pa.schema(
    [("dump", pa.string()), ("doc_id", pa.string()), ("score", pa.float64()), ("has_text", pa.bool_())]
)
RECALL_RATE_CHECK = "recall_rate_in_band"
RECONCILED_CHECK = "scored_equals_kept_plus_dropped"


class RecallScoringConfig(dg.Config):
    threshold: float = Field(default=0.5, ge=0, le=1, description="Keep documents scoring at least this.")
    top_fraction: float = Field(
        default=0.0, ge=0, le=1, description="If > 0: keep this top fraction of the dump instead (threshold = its quantile)."
    )
    batch_rows: int = Field(default=20_000, ge=100, description="Documents per scoring batch (memory bound).")
    max_chars: int = Field(default=recall_core.DEFAULT_MAX_CHARS, ge=100)
    min_recall_rate: float = Field(default=0.001, ge=0, le=1, description="Recall-rate band floor (asset check).")
    max_recall_rate: float = Field(default=0.5, ge=0, le=1, description="Recall-rate band ceiling (asset check).")
    labels_file: str = Field(
        default="", description="Ground-truth labels JSONL (url, educational), for reporting only; empty = the sample mirror's."
    )


@dataclass
class ScoringRun:
    documents: int
    seconds: float
    threshold: float


def stage_scores(wh: Warehouse, dump: str, model, stager: ParquetStager, batch_rows: int, max_chars: int) -> int:
    """Score every document of `dump` batch by batch into `stager`; returns documents scored."""
    scored = 0
    for batch in _common.batches(wh, "recall_scoring_input", {"dump": dump}, batch_rows):
        normalized = batch.select(recall_core.normalize_expr("text", max_chars).alias("text"))["text"]
        scores = recall_core.score_normalized(model, normalized.to_list())
        staged = pa.table(
            {
                "dump": batch["dump"].to_arrow(),
                "doc_id": batch["doc_id"].to_arrow(),
                "score": pa.array(scores, pa.float64()),
                "has_text": (normalized.str.len_chars() > 0).to_arrow(),
            }
        ).cast(STAGED_SCHEMA)
        stager.write(staged)
        scored += batch.height
    if not stager.files:  # an empty dump still swaps in (zero rows), atomically
        empty = stager.directory / "part-empty.parquet"
        pq.write_table(STAGED_SCHEMA.empty_table(), empty)
        stager.files.append(empty)
    return scored


def top_fraction_threshold(stager: ParquetStager, fraction: float) -> float:
    scores = pl.read_parquet(stager.files).filter(pl.col("has_text"))["score"]
    if not len(scores):
        return 1.0
    return float(np.quantile(scores.to_numpy(), 1.0 - fraction, method="higher"))


def score_partition(
    wh: Warehouse, dump: str, classifier: dict, config: RecallScoringConfig, table: str, statements: list[str]
) -> ScoringRun:
    started = time.perf_counter()
    model = recall_core.load_classifier(classifier["model_path"])
    stager = ParquetStager(wh.staging_dir(table, dump))
    documents = stage_scores(wh, dump, model, stager, config.batch_rows, config.max_chars)
    threshold = top_fraction_threshold(stager, config.top_fraction) if config.top_fraction > 0 else config.threshold
    _common.run_statements(
        wh,
        statements,
        {"dump": dump, "files": [str(f) for f in stager.files], "threshold": threshold,
         "classifier_sha256": classifier["model_sha256"]},
    )
    stager.cleanup()
    return ScoringRun(documents, time.perf_counter() - started, threshold)


def partition_report(
    wh: Warehouse, dump: str, table: str, run: ScoringRun, config: RecallScoringConfig
) -> tuple[dict, list[dg.AssetCheckResult]]:
    """Metadata and the two per-dump checks, both computed from what was written."""
    summary = _common.query(wh, "recall_partition_summary", {"table": table, "dump": dump}).row(0, named=True)
    rate = summary["kept"] / summary["scored"] if summary["scored"] else 0.0
    histogram = _common.query(wh, "recall_score_histogram", {"table": table, "dump": dump})
    counts = np.zeros(20)
    for bin_, documents in histogram.iter_rows():
        counts[bin_] = documents
    plot = plot_score_histogram(
        counts, np.linspace(0, 1, 21), run.threshold, _common.plot_path(f"{table}_{dump}_scores"), f"{table} {dump}"
    )
    sample = _common.query(wh, "recall_kept_sample", {"table": table, "dump": dump, "limit": 10})
    truth = _common.ground_truth_metrics(wh, table, dump, _common.labels_file(dump, config.labels_file))
    reconciled = (
        summary["scored"] == summary["documents"]
        and summary["kept"] + summary["dropped"] == summary["scored"]
        and summary["inconsistent"] == 0
    )
    checks = [
        dg.AssetCheckResult(
            check_name=RECONCILED_CHECK,
            passed=bool(reconciled),
            metadata={k: summary[k] for k in ("documents", "scored", "kept", "dropped", "inconsistent")},
        ),
        dg.AssetCheckResult(
            check_name=RECALL_RATE_CHECK,
            passed=bool(summary["scored"] and config.min_recall_rate <= rate <= config.max_recall_rate),
            metadata={"recall_rate": round(rate, 6), "min": config.min_recall_rate, "max": config.max_recall_rate},
        ),
    ]
    metadata = {
        "dagster/row_count": summary["scored"],
        "scored": summary["scored"],
        "kept": summary["kept"],
        "dropped": summary["dropped"],
        "dropped_below_threshold": summary["dropped_below_threshold"],
        "dropped_empty_text": summary["dropped_empty_text"],
        "recall_rate": round(rate, 6),
        "threshold": run.threshold,
        "docs_per_second": round(run.documents / run.seconds, 1) if run.seconds else 0.0,
        "score_histogram": _common.image_md(plot),
        "kept_sample": _common.markdown_table(sample),
        **truth,
    }
    return metadata, checks


def _check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(RECONCILED_CHECK, asset=asset, blocking=True,
                          description="Every web document of the dump is scored, and scored = kept + dropped."),
        dg.AssetCheckSpec(RECALL_RATE_CHECK, asset=asset, blocking=True,
                          description="The dump's recall rate is inside the configured band (catches a broken model or dump)."),
    ]


@dg.asset(
    partitions_def=cc_dump_partitions,
    deps=["web_documents", "recall_classifier"],
    group_name="recall",
    kinds={"fasttext", "duckdb"},
    check_specs=_check_specs("recall_scores_round1"),
    description="Round-1 score of every document of a dump (kept/dropped at the threshold).",
)
def recall_scores_round1(
    context: dg.AssetExecutionContext, config: RecallScoringConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    dump = context.partition_key
    classifier = latest_classifier(wh, "recall_classifier")
    run = score_partition(
        wh, dump, classifier, config, "recall_scores_round1",
        ["recall_scores_round1_create", "recall_scores_round1_delete", "recall_scores_round1_insert"],
    )
    metadata, checks = partition_report(wh, dump, "recall_scores_round1", run, config)
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


@dg.asset(
    partitions_def=cc_dump_partitions,
    deps=["web_documents", "recall_classifier_round2"],
    group_name="recall",
    kinds={"fasttext", "duckdb"},
    check_specs=_check_specs("recalled_documents"),
    # A new dump's documents flow through the current round-2 classifier without a click; the
    # classifiers themselves (and the LLM domain step) are retrained only on request.
    automation_condition=dg.AutomationCondition.eager(),
    description="Round-2 recall result per dump: every web_documents column plus score and kept/status/reason. "
    "Extraction reads the kept rows.",
)
def recalled_documents(
    context: dg.AssetExecutionContext, config: RecallScoringConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    dump = context.partition_key
    classifier = latest_classifier(wh, "recall_classifier_round2")
    run = score_partition(
        wh, dump, classifier, config, "recalled_documents",
        ["recall_documents_create", "recall_documents_delete", "recall_documents_insert"],
    )
    metadata, checks = partition_report(wh, dump, "recalled_documents", run, config)
    round1 = _common.query(wh, "recall_partition_summary", {"table": "recall_scores_round1", "dump": dump}).row(0, named=True) \
        if wh.table_exists("recall_scores_round1") else None
    if round1 and round1["scored"]:
        metadata["round1_kept"] = round1["kept"]
        metadata["round1_recall_rate"] = round(round1["kept"] / round1["scored"], 6)
        truth1 = _common.ground_truth_metrics(
            wh, "recall_scores_round1", dump, _common.labels_file(dump, config.labels_file)
        )
        if "ground_truth_precision" in truth1:
            metadata["round1_ground_truth_precision"] = truth1["ground_truth_precision"]
            metadata["round1_ground_truth_recall"] = truth1["ground_truth_recall"]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)
