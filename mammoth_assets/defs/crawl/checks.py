"""Asset checks of the crawl stage, evaluated per `cc_dump` partition."""

import warnings

import dagster as dg

from mammoth_assets.defs.crawl.assets import web_documents, wet_files
from mammoth_assets.defs.crawl.reporting import markdown_table
from mammoth_assets.defs.partitions import cc_dump_partitions
from mammoth_assets.defs.resources import WarehouseResource

# Partitioned asset checks are a Dagster preview feature; they are what makes each check read the
# partition of the run it belongs to, so the warning is expected.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")

_REQUIRED = ("web_documents", "web_documents_rejects", "web_documents_files", "wet_files")


def _missing_tables(warehouse: WarehouseResource) -> list[str]:
    wh = warehouse.get()
    return [t for t in _REQUIRED if not wh.table_exists(t)]


def _not_materialized(missing: list[str]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, metadata={"missing_tables": ", ".join(missing)})


@dg.asset_check(
    asset=web_documents,
    partitions_def=cc_dump_partitions,
    blocking=True,
    description="No doc_id occurs twice within the dump.",
)
def web_documents_unique_doc_id(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    duplicates = warehouse.get().query("crawl_duplicate_doc_ids", {"dump": context.partition_key})
    return dg.AssetCheckResult(
        passed=duplicates.is_empty(),
        metadata={"duplicated_doc_ids": duplicates.height, "examples": dg.MetadataValue.md(markdown_table(duplicates))},
    )


@dg.asset_check(
    asset=web_documents,
    partitions_def=cc_dump_partitions,
    blocking=True,
    description="For every WET file read: records seen = documents stored + records rejected (with a reason).",
)
def web_documents_reconciled(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    per_file = warehouse.get().query("crawl_reconciliation", {"dump": context.partition_key})
    unbalanced = per_file.filter(per_file["unaccounted"] != 0)
    return dg.AssetCheckResult(
        passed=not per_file.is_empty() and unbalanced.is_empty(),
        metadata={
            "files": per_file.height,
            "records_seen": int(per_file["records"].sum()) if per_file.height else 0,
            "documents": int(per_file["stored_documents"].sum()) if per_file.height else 0,
            "rejected": int(per_file["stored_rejects"].sum()) if per_file.height else 0,
            "unbalanced_files": unbalanced.height,
            "unbalanced": dg.MetadataValue.md(markdown_table(unbalanced)),
        },
    )


@dg.asset_check(
    asset=web_documents,
    partitions_def=cc_dump_partitions,
    blocking=True,
    description="Rows stored under this partition carry its key in `dump` and come only from the WET files "
    "wet_files selected for it; every selected file has its counts recorded.",
)
def web_documents_dump_matches_partition(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    row = warehouse.get().query("crawl_partition_provenance", {"dump": context.partition_key}).row(0, named=True)
    passed = (
        row["foreign_file_rows"] == 0
        and row["null_dump_rows"] == 0
        and row["file_stats"] == row["selected_files"]
        and row["selected_files"] > 0
    )
    return dg.AssetCheckResult(passed=passed, metadata={k: int(v) for k, v in row.items()})


@dg.asset_check(
    asset=web_documents,
    partitions_def=cc_dump_partitions,
    description="Every selected WET file was read (a file that failed after all download retries is recorded "
    "as a download_failed reject; this warns so the partition can be re-materialized).",
)
def web_documents_all_files_read(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    if missing := _missing_tables(warehouse):
        return _not_materialized(missing)
    failed = warehouse.get().query("crawl_failed_files", {"dump": context.partition_key})
    return dg.AssetCheckResult(
        passed=failed.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed_files": failed.height, "failures": dg.MetadataValue.md(markdown_table(failed))},
    )


@dg.asset_check(
    asset=wet_files,
    partitions_def=cc_dump_partitions,
    blocking=True,
    description="At least one WET file is selected for the dump and no file is listed twice.",
)
def wet_files_selected(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    wh = warehouse.get()
    if not wh.table_exists("wet_files"):
        return _not_materialized(["wet_files"])
    files = wh.query("crawl_wet_files_of_dump", {"dump": context.partition_key})
    duplicates = files.height - files["wet_file"].n_unique() if files.height else 0
    return dg.AssetCheckResult(
        passed=files.height > 0 and duplicates == 0,
        metadata={"files": files.height, "duplicate_paths": duplicates},
    )


checks = [
    web_documents_unique_doc_id,
    web_documents_reconciled,
    web_documents_dump_matches_partition,
    web_documents_all_files_read,
    wet_files_selected,
]
