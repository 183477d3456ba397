"""`web_documents` + `recall_scores_round1`: one streaming pass over one shard of a dump.

The shard's WET files are read once: every document is scored by the round-1 recall classifier
on the way, and only compact rows are stored (web_documents, recall_scores_round1), with text
only for documents at or above the recall floor or in a small random sample
(web_document_texts). Rejects and per-file counts are stored too, so records seen = documents +
rejects per file, per shard and per dump. All of a shard's tables are swapped in one transaction.
"""


from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core import recall as recall_core
from mammoth_assets.core import safe_paths
from mammoth_assets.core.crawl_ingest import IngestSettings, Scorer, ScoreSettings, crawl_shard, fasttext_scorer
from mammoth_assets.core.shards import ShardFile, files_of
from mammoth_assets.defs.crawl import reporting
from mammoth_assets.defs.crawl.assets import DOCUMENT_COLUMNS, wet_files
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.shard_tables import ShardPartition, TableSwap, shard_of, swap_shard
from mammoth_assets.warehouse import Warehouse

RECALL_RATE_CHECK = "recall_rate_in_band"


class ReadConfig(dg.Config):
    max_record_bytes: int = Field(
        default=cc.DEFAULT_MAX_RECORD_BYTES, gt=0,
        description="WET records with more text bytes than this are rejected as too_large (CC truncates at 1 MiB).",
    )
    batch_rows: int = Field(default=5000, gt=0, description="Documents per staged Parquet part (bounds memory).")
    quirks_mode: bool = Field(
        default=False, description="FastWARC lenient parsing (reads LF-only files, but may skip garbage silently)."
    )
    download_attempts: int = Field(default=6, ge=1, description="HTTP attempts per file (retries with backoff, resume).")
    timeout_s: float = Field(default=60.0, gt=0, description="HTTP timeout per request.")
    keep_downloads: bool = Field(
        default=False,
        description="Keep downloaded WET files in the cache under the data dir. Off by default: a real dump "
        "does not fit on disk, so each file is deleted once read (round 2 downloads it again). Files of a "
        "local mirror are read in place and never deleted.",
    )
    threshold: float = Field(default=0.5, ge=0, le=1, description="Keep documents scoring at least this.")
    max_chars: int = Field(default=recall_core.DEFAULT_MAX_CHARS, ge=100, description="Characters the classifier reads.")
    min_recall_rate: float = Field(default=0.001, ge=0, le=1, description="Recall-rate band floor (asset check).")
    max_recall_rate: float = Field(default=0.5, ge=0, le=1, description="Recall-rate band ceiling (asset check).")
    labels_file: str = Field(
        default="", description="Ground-truth labels JSONL (url, educational), for reporting only; empty = the sample mirror's."
    )

    def settings(self) -> IngestSettings:
        return IngestSettings(
            max_record_bytes=self.max_record_bytes,
            batch_rows=self.batch_rows,
            quirks_mode=self.quirks_mode,
            retry=cc.RetryPolicy(attempts=self.download_attempts, timeout_s=self.timeout_s),
            keep_downloads=self.keep_downloads,
        )


class CrawlShardConfig(ReadConfig):
    text_floor: float = Field(
        default=0.3, ge=0, le=1,
        description="Keep the text of documents whose round-1 score is at least this (must not exceed the "
        "threshold: domain evidence and round-2 positives read it). Everything else keeps no text.",
    )
    text_sample_rate: float = Field(
        default=0.001, ge=0, le=1,
        description="Also keep the text of this stable random fraction of documents (round-2 negatives).",
    )

    def scoring(self) -> ScoreSettings:
        return ScoreSettings(self.max_chars, self.threshold, self.text_floor, self.text_sample_rate)


def shard_files(wh: Warehouse, part: ShardPartition) -> pl.DataFrame:
    if not wh.table_exists("wet_files"):
        raise dg.Failure(description=f"wet_files is empty: materialize wet_files for {part.dump} first")
    return wh.query("wet_files_of_shard", {"dump": part.dump, "shard": part.shard})


def empty_shard_note(wh: Warehouse, part: ShardPartition) -> str:
    """Why a shard has no files: it lies past the end of a (listed) dump, or the dump is not listed."""
    shards = wh.query("wet_files_dump_shards", {"dump": part.dump})
    if shards.is_empty():
        raise dg.Failure(description=f"wet_files has no files for {part.dump}: materialize wet_files for it first")
    return f"{part.dump} has {shards.height} shards; shard {part.shard} is past its end and holds no files"


@dataclass
class ShardScanInputs:
    """What one pass over a shard's WET files needs."""

    files: list[ShardFile]
    note: str  # why the shard holds no files; empty when it has some
    classifier: dict  # the classifier's warehouse row (model path, sha256)
    scorer: Scorer
    staging: Path  # emptied


def shard_scan_inputs(wh: Warehouse, part: ShardPartition, classifier_table: str, staging_name: str) -> ShardScanInputs:
    """The shard's files (or why it has none), a scorer from the latest classifier in
    `classifier_table`, and an empty staging dir: the start of both the round-1 and round-2 passes."""
    from mammoth_assets.defs.recall.classifier import latest_classifier

    files = shard_files(wh, part)
    note = "" if files.height else empty_shard_note(wh, part)
    classifier = latest_classifier(wh, classifier_table)
    scorer = fasttext_scorer(recall_core.load_classifier(classifier["model_path"]))
    staging = wh.staging_dir(staging_name, part.dump, part.shard)
    safe_paths.remove_tree(staging.parent, staging)
    return ShardScanInputs(files_of(files.to_dicts()), note, classifier, scorer, staging)


def _check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(RECALL_RATE_CHECK, asset="recall_scores_round1", blocking=True,
                          description="The shard's recall rate is inside the configured band (catches a broken "
                          "model or dump); an empty shard passes."),
    ]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "web_documents", group_name="crawl", kinds={"duckdb", "python"},
            deps=[wet_files, "recall_classifier"],
            partitions_def=cc_dump_shard_partitions,
            description="Documents of one shard of a dump, read from its WET files in one streaming pass: url, "
            "registered domain, language, length and provenance (file, byte offset) for every document; text "
            "only in web_document_texts, for documents at or above the recall floor (plus a small random "
            "sample). Rejects with a reason in web_documents_rejects; per-file counts in web_documents_files.",
            metadata={"dagster/column_schema": DOCUMENT_COLUMNS},
        ),
        dg.AssetSpec(
            "recall_scores_round1", group_name="recall", kinds={"fasttext", "duckdb"},
            deps=[wet_files, "recall_classifier"],
            partitions_def=cc_dump_shard_partitions,
            description="Round-1 recall score of every document of the shard (kept/dropped at the threshold), "
            "computed in the same pass that reads the WET files.",
        ),
    ],
    check_specs=_check_specs(),
    partitions_def=cc_dump_shard_partitions,
    can_subset=False,
)
def crawl_and_score_shard(context: dg.AssetExecutionContext, config: CrawlShardConfig, warehouse: WarehouseResource):
    from mammoth_assets.defs.recall.scoring import partition_report

    if config.text_floor > config.threshold:
        raise dg.Failure(description=f"text_floor {config.text_floor} is above threshold {config.threshold}: "
                         "kept documents would have no text for domain evidence")
    wh = warehouse.get()
    part = shard_of(context)
    inputs = shard_scan_inputs(wh, part, "recall_classifier", "crawl_shard")
    scan = crawl_shard(part.dump, part.shard, inputs.files, inputs.scorer, inputs.staging,
                       config.settings(), config.scoring())
    for result in scan.files:
        context.log.info(f"{result.wet_file}: {result.documents} documents, {result.rejected} rejected "
                         f"{result.reasons or ''} in {result.seconds:.1f}s" + (f" ERROR {result.error}" if result.error else ""))
    swap_shard(
        wh, part,
        [
            TableSwap("web_documents", scan.parts["documents"], "web_documents_create"),
            TableSwap("web_document_texts", scan.parts["texts"], "web_document_texts_create"),
            TableSwap("web_documents_rejects", scan.parts["rejects"], "web_documents_rejects_create"),
            TableSwap("web_documents_files", scan.parts["files"], "web_documents_files_create"),
            TableSwap("recall_scores_round1", scan.parts["scores"], "recall_scores_round1_create",
                      "recall_scores_round1_insert"),
        ],
        {"threshold": config.threshold, "classifier_sha256": inputs.classifier["model_sha256"]},
    )
    safe_paths.remove_tree(inputs.staging.parent, inputs.staging)
    metadata = reporting.shard_metadata(wh, part, scan)
    if inputs.note:
        metadata["note"] = inputs.note
    yield dg.MaterializeResult(asset_key="web_documents", metadata=metadata)
    recall_metadata, checks = partition_report(wh, part, "recall_scores_round1", scan, config)
    yield dg.MaterializeResult(asset_key="recall_scores_round1", metadata=recall_metadata, check_results=checks)
