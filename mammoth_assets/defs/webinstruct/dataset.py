"""`webinstruct`: the final dataset across dumps: exact dedup on the normalized question,
MinHash-LSH near-duplicate removal, export as Parquet/JSONL in chat and Alpaca formats with a
dataset card. Decisions for every candidate are kept in `webinstruct_dedup`."""

from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core.dataset_export import CardStats, export_dataset
from mammoth_assets.core.dedup import DedupRow, deduplicate
from mammoth_assets.defs.resources import WarehouseResource, artifact_metadata
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    latest_metadata,
    markdown_sample,
    require_table,
    stable_id,
    value_counts,
)
from mammoth_assets.defs.webinstruct.refinement import UNREFINED

FINAL_COLUMNS = (
    "id", "question", "answer", "dump", "url", "domain", "doc_id", "warc_file", "warc_record_id",
    "wet_file", "wet_record_id", "pair_id", "refined_id", "refiner", "refiner_model",
    "extraction_method", "final_source",
)  # fmt: skip


class WebInstructConfig(dg.Config):
    near_duplicate_threshold: float = Field(
        default=0.8, description="MinHash LSH Jaccard threshold."
    )
    num_perm: int = Field(default=128, description="MinHash permutations.")
    shingle_words: int = Field(default=3, description="Word shingle size for MinHash.")
    near_duplicate_on: str = Field(
        default="question_answer", description="'question' or 'question_answer'."
    )
    max_duplicate_rate: float = Field(
        default=0.5, description="Asset-check ceiling: share of candidates removed as duplicates."
    )
    dataset_name: str = "webinstruct"


def candidate_frame(wh) -> pl.DataFrame:
    frame = wh.query("webinstruct_candidates")
    return frame.with_columns(
        pl.when(pl.col("final_source") == "original")
        .then(pl.lit(UNREFINED))
        .otherwise(pl.col("refiner"))
        .alias("refiner")
    )


def dedup_decisions(frame: pl.DataFrame, config: WebInstructConfig) -> pl.DataFrame:
    rows = [
        DedupRow(r["refined_id"], r["pair_id"], r["question"] or "", r["answer"] or "")
        for r in frame.select("refined_id", "pair_id", "question", "answer").iter_rows(named=True)
    ]
    decisions = deduplicate(rows, threshold=config.near_duplicate_threshold, num_perm=config.num_perm,
                            shingle_size=config.shingle_words, near_text=config.near_duplicate_on)  # fmt: skip
    return pl.DataFrame(
        {
            "refined_id": [d.row_id for d in decisions],
            "kept": [d.kept for d in decisions],
            "reason": [d.reason for d in decisions],
            "duplicate_of": [d.duplicate_of for d in decisions],
            "similarity": [d.similarity for d in decisions],
        },
        schema={
            "refined_id": pl.String,
            "kept": pl.Boolean,
            "reason": pl.String,
            "duplicate_of": pl.String,
            "similarity": pl.Float64,
        },
    )


def stage_counts(wh) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for stage, outcome, n in wh.query("webinstruct_stage_counts").iter_rows():
        counts.setdefault(stage, {})[outcome or ""] = int(n)
    return counts


def funnel_counts(stages: dict[str, dict[str, int]], final_rows: int) -> dict[str, int]:
    """Rows surviving each stage, in pipeline order."""

    def get(stage: str, *outcomes: str) -> int:
        return sum(stages.get(stage, {}).get(o, 0) for o in outcomes)

    return {
        "1 pages with text": get("page_texts", "ok"),
        "2 pages after decontamination": get("decontaminated_documents", "kept"),
        "3 pages with pairs": get("extracted_qa_pages", "pairs"),
        "4 grounded pairs": get("extracted_qa", "kept"),
        "5 kept refinements": get("refined_qa", "refined", "unrefined_fallback"),
        "6 after dedup": final_rows,
    }


@dg.asset(
    deps=["refined_qa"],
    group_name="webinstruct",
    kinds={"duckdb", "parquet"},
    description="WebInstruct across dumps: exact + MinHash near-duplicate removal, with provenance "
    "on every row; exported as Parquet/JSONL (chat and Alpaca) with a dataset card.",
)
def webinstruct(
    context: dg.AssetExecutionContext, config: WebInstructConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    for table in (
        "page_texts",
        "decontaminated_documents",
        "extracted_qa_pages",
        "extracted_qa",
        "refined_qa",
    ):
        require_table(wh, table, "extracted_qa" if table == "extracted_qa_pages" else table)
    candidates = candidate_frame(wh)
    decisions = dedup_decisions(candidates, config)
    judged = candidates.join(decisions, on="refined_id", how="left", maintain_order="left")
    judged = judged.with_columns(
        pl.col("refined_id")
        .map_elements(lambda r: stable_id(r, prefix="wi-"), return_dtype=pl.String)
        .alias("id")
    )
    wh.replace_table(
        "webinstruct_dedup",
        judged.select(
            "id",
            "refined_id",
            "pair_id",
            "dump",
            "kept",
            "reason",
            "duplicate_of",
            "similarity",
            "question",
        ),
    )
    final = judged.filter(pl.col("kept")).select(*FINAL_COLUMNS)
    rows = wh.replace_table("webinstruct", final)
    refined_meta = latest_metadata(context.instance, "refined_qa")
    decontam_meta = latest_metadata(context.instance, "decontaminated_documents")
    stats = CardStats(
        name=config.dataset_name,
        rows=rows,
        stage_counts={
            **stage_counts(wh),
            "webinstruct_dedup": value_counts(
                judged.with_columns(
                    pl.when(pl.col("kept"))
                    .then(pl.lit("kept"))
                    .otherwise(pl.col("reason"))
                    .alias("d")
                ),
                "d",
            ),
        },
        per_domain=value_counts(final, "domain"),
        per_dump=value_counts(final, "dump"),
        per_refiner=value_counts(final, "refiner"),
        per_method=value_counts(final, "extraction_method"),
        config={
            **config.model_dump(),
            "keep_unrefined_when_rejected": refined_meta.get("keep_unrefined_when_rejected"),
        },
        unrefined_fallback_rows=int((final["final_source"] == "original").sum()),
        benchmarks_decontaminated=[
            b for b in str(decontam_meta.get("benchmarks", "")).split(", ") if b
        ],
    )
    export_dir = paths.artifacts_dir("webinstruct")
    files = export_dataset(final, export_dir, stats)
    removed = Counter(r for r in judged.filter(~pl.col("kept"))["reason"].to_list())
    candidates_n = judged.height
    metadata = {
        "rows": rows,
        "candidates": candidates_n,
        "kept": rows,
        "duplicates_removed": sum(removed.values()),
        "duplicate_reasons": counts_markdown(dict(removed)),
        "duplicate_rate": round(sum(removed.values()) / candidates_n, 4) if candidates_n else 0.0,
        "max_duplicate_rate": config.max_duplicate_rate,
        "unrefined_fallback_rows": stats.unrefined_fallback_rows,
        "per_dump": counts_markdown(stats.per_dump, "dump"),
        "per_refiner": counts_markdown(stats.per_refiner, "refiner"),
        "domains": len(stats.per_domain),
        "sample": markdown_sample(final, ["id", "question", "answer", "domain", "refiner"]),
        "export_dir": dg.MetadataValue.path(str(export_dir)),
        "dataset_card": dg.MetadataValue.path(str(files["card"])),
        **{f"file_{name}": dg.MetadataValue.path(str(path)) for name, path in files.items()},
        **artifact_metadata(export_dir),
    }
    funnel = funnel_counts(stats.stage_counts, rows)
    metadata["funnel"] = counts_markdown(funnel, "stage")
    funnel_plot = bar_plot(
        funnel,
        "WebInstruct funnel (rows kept after each stage)",
        "webinstruct-funnel.png",
        keep_order=True,
    )
    if funnel_plot is not None:
        metadata["funnel_plot"] = funnel_plot
    plot = bar_plot(
        stats.per_domain, "webinstruct rows per domain (top 20)", "webinstruct-domains.png"
    )
    if plot is not None:
        metadata["domains_plot"] = plot
    return dg.MaterializeResult(metadata=metadata)
