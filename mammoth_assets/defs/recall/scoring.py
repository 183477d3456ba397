"""`recalled_documents` (round 2, per shard) and the per-shard recall report shared with round 1.

Round 2 re-reads the shard's WET files (no stored copy of the web) and scores every document with
the round-2 classifier: each document keeps its score and a kept/dropped decision (threshold
applied in SQL); only kept documents keep their text and provenance, which extraction reads.
"""


import dagster as dg
import numpy as np

from mammoth_assets.core import safe_paths
from mammoth_assets.core.crawl_ingest import ScoreSettings, rescore_shard
from mammoth_assets.core.recall_plots import plot_score_histogram
from mammoth_assets.defs.crawl.shard_pass import (
    RECALL_RATE_CHECK,
    ReadConfig,
    shard_scan_inputs,
)
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.shard_tables import ShardPartition, TableSwap, shard_of, swap_shard
from mammoth_assets.warehouse import Warehouse


class RecallScoringConfig(ReadConfig):
    pass


def partition_report(
    wh: Warehouse, part: ShardPartition, table: str, scan, config: ReadConfig
) -> tuple[dict, list[dg.AssetCheckResult]]:
    """Metadata and the recall-rate check, computed from what was written (the stage's
    reconciliation is its generated check, `defs/decision_checks.py`)."""
    summary = _common.query(wh, "recall_partition_summary", {"table": table, "shard_key": part.key}).row(0, named=True)
    rate = summary["kept"] / summary["scored"] if summary["scored"] else 0.0
    histogram = _common.query(wh, "recall_score_histogram", {"table": table, "shard_key": part.key})
    counts = np.zeros(20)
    for bin_, documents in histogram.iter_rows():
        counts[bin_] = documents
    plot = plot_score_histogram(
        counts, np.linspace(0, 1, 21), config.threshold,
        _common.plot_path(f"{table}_{part.dump}_{part.shard}_scores"), f"{table} {part.dump} shard {part.shard}",
    )
    sample = _common.query(wh, "recall_kept_sample", {"table": table, "shard_key": part.key, "limit": 10})
    truth = _common.ground_truth_metrics(wh, table, part, _common.labels_file(part.dump, config.labels_file))
    in_band = config.min_recall_rate <= rate <= config.max_recall_rate
    checks = [
        dg.AssetCheckResult(
            check_name=RECALL_RATE_CHECK,
            passed=bool(summary["scored"] == 0 or in_band),
            metadata={"recall_rate": round(rate, 6), "min": config.min_recall_rate, "max": config.max_recall_rate},
        ),
    ]
    metadata = {
        "dump": part.dump,
        "shard": part.shard,
        "dagster/row_count": summary["scored"],
        "scored": summary["scored"],
        "kept": summary["kept"],
        "dropped": summary["dropped"],
        "recall_rate": round(rate, 6),
        "threshold": config.threshold,
        "docs_per_second": round(scan.documents / scan.seconds, 1) if scan.seconds else 0.0,
        "docs_per_cpu_second": round(scan.documents / scan.cpu_seconds, 1) if scan.cpu_seconds else 0.0,
        "score_histogram": _common.image_md(plot),
        "kept_sample": _common.markdown_table(sample),
        **truth,
    }
    return metadata, checks


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["web_documents", "recall_classifier_round2"],
    group_name="recall",
    kinds={"fasttext", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(RECALL_RATE_CHECK, asset="recalled_documents", blocking=True,
                          description="The shard's recall rate is inside the configured band; an empty shard passes."),
    ],
    # A new shard's documents flow through the current round-2 classifier without a click; the
    # classifiers themselves (and the LLM domain step) are retrained only on request.
    automation_condition=dg.AutomationCondition.eager(),
    description="Round-2 recall per shard: the shard's WET files are read again and every document is scored "
    "by the round-2 classifier (decision: kept or below_threshold); kept documents keep text and provenance for extraction.",
)
def recalled_documents(
    context: dg.AssetExecutionContext, config: RecallScoringConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    part = shard_of(context)
    inputs = shard_scan_inputs(wh, part, "recall_classifier_round2", "recalled_documents")
    scan = rescore_shard(part.dump, part.shard, inputs.files, inputs.scorer, inputs.staging,
                         config.settings(), ScoreSettings(config.max_chars, config.threshold))
    swap_shard(
        wh, part,
        [TableSwap("recalled_documents", scan.parts["recalled"], "recalled_documents_create", "recalled_documents_insert")],
        {"threshold": config.threshold, "classifier_sha256": inputs.classifier["model_sha256"]},
    )
    safe_paths.remove_tree(inputs.staging.parent, inputs.staging)
    metadata, checks = partition_report(wh, part, "recalled_documents", scan, config)
    if inputs.note:
        metadata["note"] = inputs.note
    metadata["downloads_deleted_after_read"] = sum(1 for r in scan.files if r.deleted_after_read)
    round1 = _common.query(wh, "recall_partition_summary", {"table": "recall_scores_round1", "shard_key": part.key}).row(0, named=True) \
        if wh.table_exists("recall_scores_round1") else None
    if round1 and round1["scored"]:
        metadata["round1_kept"] = round1["kept"]
        metadata["round1_recall_rate"] = round(round1["kept"] / round1["scored"], 6)
        truth1 = _common.ground_truth_metrics(
            wh, "recall_scores_round1", part, _common.labels_file(part.dump, config.labels_file)
        )
        if "ground_truth_precision" in truth1:
            metadata["round1_ground_truth_precision"] = truth1["ground_truth_precision"]
            metadata["round1_ground_truth_recall"] = truth1["ground_truth_recall"]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)
