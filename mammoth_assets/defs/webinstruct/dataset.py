"""`webinstruct_minhash` (per dump): MinHash bucket rows of the dump's kept refinements.
`webinstruct` (across dumps): exact and near-duplicate removal in the warehouse (LSH banding as a
SQL join over the stored buckets, candidates checked by exact Jaccard, greedy decisions in SQL; see
`steps/near_dedup.py`), then export as Parquet/JSONL in chat and Alpaca formats with a dataset
card. Decisions for every candidate are kept in `webinstruct_dedup`."""

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core.dataset_export import CardStats, export_dataset
from mammoth_assets.core.dedup import SignatureSpec, bucket_frame
from mammoth_assets.steps.near_dedup import DedupError, find_duplicates
from mammoth_assets.defs.partitions import cc_dump_partitions
from mammoth_assets.defs.resources import WarehouseResource, artifact_metadata
from mammoth_assets.core.decisions import DecisionCounts, registry
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    value_counts,
)
from mammoth_assets.defs.webinstruct.refinement import UNREFINED
from mammoth_assets.warehouse import ParquetStager

FINAL_COLUMNS = (
    "id", "question", "answer", "dump", "url", "domain", "doc_id", "warc_file", "warc_record_id",
    "wet_file", "wet_record_id", "pair_id", "refined_id", "refiner", "refiner_model",
    "extraction_method", "final_source",
)  # fmt: skip


class MinHashConfig(dg.Config):
    num_perm: int = Field(default=128, description="MinHash permutations.")
    bands: int = Field(
        default=21,
        description="LSH bands. 21 x 6 makes a pair at Jaccard 0.8 a candidate with probability "
        "0.998 (core.dedup.band_params); candidates are then checked exactly.",
    )
    rows_per_band: int = Field(default=6, description="Signature values per band.")
    shingle_words: int = Field(default=3, description="Word shingle size.")
    near_duplicate_on: str = Field(
        default="question_answer", description="'question' or 'question_answer'."
    )
    batch_rows: int = Field(default=5000, description="Rows per signature batch (memory bound).")

    def spec(self) -> SignatureSpec:
        return SignatureSpec(self.num_perm, self.bands, self.rows_per_band, self.shingle_words,
                             self.near_duplicate_on)  # fmt: skip


class WebInstructConfig(dg.Config):
    near_duplicate_threshold: float = Field(
        default=0.8, description="Exact Jaccard threshold (3-word shingles) for near duplicates."
    )
    max_bucket_peers: int = Field(
        default=64,
        description="A row is compared with at most this many earlier rows of each LSH bucket "
        "(bounds the pairs of a huge bucket of near-identical rows).",
    )
    max_duplicate_rate: float = Field(
        default=0.5, description="Asset-check ceiling: share of candidates removed as duplicates."
    )
    dataset_name: str = "webinstruct"


@dg.asset(
    partitions_def=cc_dump_partitions,
    deps=["refined_qa"],
    group_name="webinstruct",
    kinds={"duckdb", "python"},
    description="MinHash signatures of a dump's kept refinements, stored as LSH bucket rows "
    "(row, band, bucket) for the cross-dump dedup join; computed in bounded batches.",
)
def webinstruct_minhash(
    context: dg.AssetExecutionContext, config: MinHashConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    dump = context.partition_key
    wh = warehouse.get()
    require_table(wh, "refined_qa", "refined_qa")
    spec = config.spec()
    stager = ParquetStager(wh.staging_dir("webinstruct_minhash", dump))
    rows = 0
    for batch in wh.iter_batches(wh.sql("refined_qa_kept_texts"), {"dump": dump}, config.batch_rows):
        buckets = bucket_frame(batch["item_id"].to_list(), batch["question"].to_list(),
                               batch["answer"].to_list(), spec)  # fmt: skip
        stager.write(buckets.with_columns(pl.lit(dump).alias("dump"), pl.lit(spec.label).alias("signature")))
        rows += batch.height
    stored = wh.replace_partition("webinstruct_minhash", "dump", dump, stager.files)
    stager.cleanup()
    return dg.MaterializeResult(
        metadata={"rows": rows, "bucket_rows": stored, "signature": spec.label,
                  "bands": config.bands, "rows_per_band": config.rows_per_band}
    )  # fmt: skip


def stored_spec(wh) -> SignatureSpec | None:
    """The signature parameters of the stored buckets (None when there are none)."""
    labels = wh.query("webinstruct_minhash_signatures")["signature"].to_list()
    if len(labels) > 1:
        raise DedupError(f"webinstruct_minhash mixes signature parameters {labels}: re-materialize "
                         "webinstruct_minhash for every dump with one config")  # fmt: skip
    return SignatureSpec.from_label(labels[0]) if labels else None


def deduplicate_candidates(wh, config: WebInstructConfig) -> dict:
    """Decide on every candidate in the warehouse and build `webinstruct_dedup` and `webinstruct`."""
    wh.execute("webinstruct_candidate_rows_create")
    wh.execute("webinstruct_dedup_items")
    wh.execute("webinstruct_dedup_texts_view")
    if not wh.table_exists("webinstruct_minhash"):  # no dump had a kept refinement yet
        wh.replace_table("webinstruct_minhash", pl.DataFrame(schema={
            "item_id": pl.String, "band": pl.Int16, "bucket": pl.UInt64, "dump": pl.String,
            "signature": pl.String}))  # fmt: skip
    spec = stored_spec(wh) or MinHashConfig().spec()
    missing = wh.query_text(
        "SELECT DISTINCT i.dump FROM webinstruct_dedup_items i ANTI JOIN webinstruct_minhash m "
        "ON m.item_id = i.item_id AND m.band = -1 ORDER BY 1"
    )["dump"].to_list()
    if missing:
        raise DedupError(f"no MinHash buckets for rows of dumps {missing}: materialize "
                         "webinstruct_minhash for them (after refined_qa)")  # fmt: skip
    stats = find_duplicates(wh, spec, config.near_duplicate_threshold, config.max_bucket_peers)
    wh.replace_table("webinstruct_dedup_decisions", stats.decisions_file)
    stats.decisions_file.unlink(missing_ok=True)
    wh.execute("webinstruct_dedup_create")
    wh.execute("webinstruct_create", {"unrefined": UNREFINED})
    return {"candidate_pairs": stats.candidate_pairs, "verified_duplicate_pairs": stats.edges,
            "greedy_rounds": stats.rounds, "signature": spec.label}  # fmt: skip


def decision_table(stage, decisions: dict[str, int]) -> str:
    counts = DecisionCounts(stage)
    counts.update(decisions)
    return counts.markdown()


def stage_counts(wh) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for stage, decision, n in wh.query("webinstruct_stage_counts").iter_rows():
        counts.setdefault(stage, {})[decision or ""] = int(n)
    return counts


FUNNEL = (
    ("1 pages with text", "page_texts"),
    ("2 pages after decontamination", "decontaminated_documents"),
    ("3 pages with pairs", "extracted_qa_pages"),
    ("4 grounded pairs", "extracted_qa"),
    ("5 kept refinements", "refined_qa"),
)


def funnel_counts(stages: dict[str, dict[str, int]], final_rows: int) -> dict[str, int]:
    """Rows kept by each stage, in pipeline order."""
    return {label: stages.get(stage, {}).get("kept", 0) for label, stage in FUNNEL} | {"6 after dedup": final_rows}


DUPLICATE_RATE_CHECK = "webinstruct_duplicate_rate"


def duplicate_rate_check(wh, ceiling: float) -> dg.AssetCheckResult:
    """Removed share of the candidates at most `ceiling`, and no exact duplicate question left."""
    row = wh.query("webinstruct_duplicates").row(0, named=True)
    rate = row["removed"] / row["candidates"] if row["candidates"] else 0.0
    residual = int(row["residual_duplicate_questions"])
    return dg.AssetCheckResult(
        check_name=DUPLICATE_RATE_CHECK,
        passed=rate <= ceiling and residual == 0,
        description=f"duplicate rate {rate:.3f} (ceiling {ceiling}); {residual} exact duplicate questions left",
        metadata={"duplicate_rate": round(rate, 4), "ceiling": ceiling, "candidates": row["candidates"],
                  "removed": row["removed"], "residual_duplicate_questions": residual},
    )  # fmt: skip


@dg.asset(
    deps=["refined_qa", webinstruct_minhash],
    group_name="webinstruct",
    kinds={"duckdb", "parquet"},
    check_specs=[
        dg.AssetCheckSpec(
            DUPLICATE_RATE_CHECK, asset="webinstruct", blocking=True,
            description="Share of candidates removed as duplicates is at most the configured "
            "max_duplicate_rate, and no exact duplicate question is left.",
        )
    ],
    description="WebInstruct across dumps: exact + near-duplicate removal in the warehouse (LSH "
    "join over stored MinHash buckets, exact Jaccard check), with provenance on every row; "
    "exported as Parquet/JSONL (chat and Alpaca) with a dataset card.",
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
    dedup = deduplicate_candidates(wh, config)
    decisions = dict(wh.query("webinstruct_dedup_summary").iter_rows())
    removed = {k: v for k, v in decisions.items() if k != "kept"}
    final = wh.read_table("webinstruct")
    rows = final.height
    stats = CardStats(
        name=config.dataset_name,
        rows=rows,
        stage_counts={
            **stage_counts(wh),
            "webinstruct_dedup": decisions,
        },
        per_domain=value_counts(final, "domain"),
        per_dump=value_counts(final, "dump"),
        per_refiner=value_counts(final, "refiner"),
        per_method=value_counts(final, "extraction_method"),
        config={
            **config.model_dump(),
            "keep_unrefined_when_rejected": bool(wh.scalar("refined_qa_refiners_fallback")),
        },
        unrefined_fallback_rows=int((final["final_source"] == "original").sum()),
        benchmarks_decontaminated=wh.query("decontaminated_documents_benchmarks_all")["benchmark"].to_list(),
    )
    export_dir = paths.artifacts_dir("webinstruct")
    files = export_dataset(final, export_dir, stats)
    candidates_n = sum(decisions.values())
    metadata = {
        "rows": rows,
        "candidates": candidates_n,
        "kept": rows,
        "duplicates_removed": sum(removed.values()),
        "decisions": dg.MetadataValue.md(decision_table(registry.WEBINSTRUCT, decisions)),
        **dedup,
        "near_duplicate_sample": markdown_sample(
            wh.query("webinstruct_dedup_near_sample", {"limit": 5}),
            ["dropped_question", "kept_question", "similarity"],
        ),
        "duplicate_rate": round(sum(removed.values()) / candidates_n, 4) if candidates_n else 0.0,
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
    return dg.MaterializeResult(
        metadata=metadata, check_results=[duplicate_rate_check(wh, config.max_duplicate_rate)]
    )
