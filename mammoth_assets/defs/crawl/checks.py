"""Asset checks of the crawl stage: per shard (`cc_dump x shard`) for documents, per dump for files.
The shard's reconciliation (records seen = documents + rejects by reason, per WET file) is
generated from the decision registry."""

import warnings

import dagster as dg

from mammoth_assets.defs.crawl.assets import wet_files
from mammoth_assets.defs.crawl.reporting import markdown_table
from mammoth_assets.defs.decision_checks import reconciliation_checks
from mammoth_assets.defs.partitions import cc_dump_partitions, cc_dump_shard_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.shard_tables import shard_of

# Partitioned asset checks are a Dagster preview feature; they are what makes each check read the
# partition of the run it belongs to, so the warning is expected.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")

_REQUIRED = ("web_documents", "web_documents_rejects", "web_documents_files", "wet_files")
WEB_DOCUMENTS = dg.AssetKey("web_documents")


def _missing_tables(warehouse: WarehouseResource) -> list[str]:
    wh = warehouse.get()
    return [t for t in _REQUIRED if not wh.table_exists(t)]


def _not_materialized(missing: list[str]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, metadata={"missing_tables": ", ".join(missing)})


@dg.asset_check(
    asset=WEB_DOCUMENTS,
    partitions_def=cc_dump_shard_partitions,
    blocking=True,
    description="No doc_id occurs twice within the shard (across shards: dump_progress's check, once per dump).",
)
def web_documents_unique_doc_id(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    part = shard_of(context)
    duplicates = warehouse.get().query("web_documents_duplicate_doc_ids", {"shard_key": part.key})
    return dg.AssetCheckResult(
        passed=duplicates.is_empty(),
        metadata={"duplicated_doc_ids": duplicates.height, "examples": dg.MetadataValue.md(markdown_table(duplicates))},
    )


@dg.asset_check(
    asset=WEB_DOCUMENTS,
    partitions_def=cc_dump_shard_partitions,
    blocking=True,
    description="Rows stored under this shard carry its dump and shard and come only from the WET files "
    "wet_files assigned to it; every such file has its counts recorded.",
)
def web_documents_dump_matches_partition(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    part = shard_of(context)
    row = warehouse.get().query("web_documents_partition_provenance", part.params).row(0, named=True)
    passed = row["foreign_file_rows"] == 0 and row["mislabelled_rows"] == 0 and row["file_stats"] == row["selected_files"]
    return dg.AssetCheckResult(passed=passed, metadata={k: int(v) for k, v in row.items()})


@dg.asset_check(
    asset=WEB_DOCUMENTS,
    partitions_def=cc_dump_shard_partitions,
    description="Every WET file of the shard was read (a file that failed after all download retries is "
    "recorded as a download_failed reject; this warns so the shard can be re-materialized).",
)
def web_documents_all_files_read(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    failed = warehouse.get().query("web_documents_files_failed", {"shard_key": shard_of(context).key})
    return dg.AssetCheckResult(
        passed=failed.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed_files": failed.height, "failures": dg.MetadataValue.md(markdown_table(failed))},
    )


@dg.asset_check(
    asset=wet_files,
    partitions_def=cc_dump_partitions,
    blocking=True,
    description="At least one WET file is selected for the dump, no file is listed twice, and every file has a shard.",
)
def wet_files_selected(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    wh = warehouse.get()
    if not wh.table_exists("wet_files"):
        return _not_materialized(["wet_files"])
    files = wh.query("wet_files_of_dump", {"dump": context.partition_key})
    duplicates = files.height - files["wet_file"].n_unique() if files.height else 0
    unsharded = int(files["shard"].null_count()) if files.height else 0
    return dg.AssetCheckResult(
        passed=files.height > 0 and duplicates == 0 and unsharded == 0,
        metadata={"files": files.height, "duplicate_paths": duplicates, "files_without_shard": unsharded,
                  "shards": files["shard"].n_unique() if files.height else 0},
    )


shard_checks = [
    web_documents_unique_doc_id,
    # For every WET file of the shard, records seen = documents + rejects by reason; every document
    # scored by round 1 = kept + dropped: generated from the decision registry.
    *reconciliation_checks("web_documents", "recall_scores_round1"),
    web_documents_dump_matches_partition,
    web_documents_all_files_read,
]
checks = [*shard_checks, wet_files_selected]
