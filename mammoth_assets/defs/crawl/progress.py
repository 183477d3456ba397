"""`dump_progress`: the dump-level view of the per-shard stages (progress and totals per dump).

Per-document work runs per `cc_dump x shard` partition; users still think in dumps. This asset,
partitioned by `cc_dump`, reads which shards of each per-shard stage are materialized (from the
Dagster instance) and the dump's totals (SQL over the per-shard tables), and its check says
whether every shard of the dump is crawled and the dump reconciles (records = documents + rejects,
every document scored in round 1, no doc_id twice in the dump)."""


import dagster as dg
import polars as pl

from mammoth_assets.defs.crawl.reporting import markdown_table
from mammoth_assets.defs.partitions import cc_dump_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse

# Per-shard assets in pipeline order, with the table each writes.
SHARD_STAGES = {
    "web_documents": "web_documents",
    "recall_scores_round1": "recall_scores_round1",
    "recalled_documents": "recalled_documents",
    "page_texts": "page_texts",
    "decontaminated_documents": "decontaminated_documents",
    "extracted_qa": "extracted_qa",
    "refined_qa": "refined_qa",
}
COMPLETE_CHECK = "every_shard_crawled_and_reconciled"


def done_shards(instance: dg.DagsterInstance, asset: str, dump: str) -> set[str]:
    keys = instance.get_materialized_partitions(dg.AssetKey(asset))
    return {str(k).rpartition("|")[2] for k in keys if str(k).rpartition("|")[0] == dump}


def stage_table(instance: dg.DagsterInstance, wh: Warehouse, dump: str, shards: int) -> pl.DataFrame:
    rows = []
    for asset, table in SHARD_STAGES.items():
        counted = (
            wh.query("crawl_dump_stage_rows", {"table": table, "dump": dump}).row(0, named=True)
            if wh.table_exists(table) else {"rows": 0}
        )
        done = len(done_shards(instance, asset, dump))
        rows.append({"stage": asset, "shards_done": done, "shards": shards,
                     "progress": f"{100 * done / shards:.0f}%" if shards else "-", "rows": counted["rows"]})
    return pl.DataFrame(rows)


def dump_totals(wh: Warehouse, dump: str) -> dict[str, int]:
    needed = ("web_documents_files", "web_documents", "web_documents_rejects", "web_document_texts", "recall_scores_round1")
    if not all(wh.table_exists(t) for t in needed):
        return {"records_seen": 0, "documents": 0, "rejected": 0, "texts_kept": 0, "round1_scored": 0, "round1_kept": 0,
                "duplicated_doc_ids": 0}
    totals = {k: int(v) for k, v in wh.query("crawl_dump_totals", {"dump": dump}).row(0, named=True).items()}
    totals["duplicated_doc_ids"] = int(wh.scalar("web_documents_dump_duplicate_doc_ids", {"dump": dump}))
    return totals


@dg.asset(
    partitions_def=cc_dump_partitions,
    deps=[dg.AssetKey(name) for name in SHARD_STAGES],
    group_name="crawl",
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        COMPLETE_CHECK, asset="dump_progress", blocking=False,
        description="Every shard of the dump is crawled and scored, and the dump reconciles: records seen = "
        "documents + rejects, every document has a round-1 score, and no doc_id occurs twice in the dump.",
    )],
    description="Dump-level view of the per-shard stages: shards done per stage, rows per stage, and the "
    "dump's totals (records, documents, rejects, texts kept, round-1 recall).",
)
def dump_progress(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    dump = context.partition_key
    wh = warehouse.get()
    shards = wh.query("wet_files_dump_shards", {"dump": dump}).height if wh.table_exists("wet_files") else 0
    stages = stage_table(context.instance, wh, dump, shards)
    totals = dump_totals(wh, dump)
    crawled = stages.filter(pl.col("stage") == "web_documents")["shards_done"][0]
    reconciled = (
        totals["records_seen"] == totals["documents"] + totals["rejected"]
        and totals["round1_scored"] == totals["documents"]
        and totals["duplicated_doc_ids"] == 0
    )
    complete = shards > 0 and crawled == shards and reconciled
    return dg.MaterializeResult(
        metadata={
            "dump": dump,
            "shards": shards,
            "shards_crawled": crawled,
            **totals,
            "round1_recall_rate": round(totals["round1_kept"] / totals["round1_scored"], 6) if totals["round1_scored"] else 0.0,
            "stages": dg.MetadataValue.md(markdown_table(stages, 20)),
        },
        check_results=[dg.AssetCheckResult(
            check_name=COMPLETE_CHECK, passed=bool(complete),
            metadata={"shards": shards, "shards_crawled": crawled, "reconciled": bool(reconciled),
                      "duplicated_doc_ids": totals["duplicated_doc_ids"]},
        )],
    )
