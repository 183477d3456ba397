"""`decontaminated_documents`: every page that shares a word 10-gram with a benchmark item (whole,
as on a page, or its question, a choice, its answer) is removed (MAmmoTH2), recording which
benchmark item it matched; the metadata says per benchmark how many items the index can catch."""

from collections import Counter
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core import benchmarks as bench
from mammoth_assets.core.decisions import registry
from mammoth_assets.core.decontamination import (
    ContaminationIndex,
    decide_pages,
    first_matches_per_page,
    load_index,
    page_check_texts,
)
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import TableSwap, shard_of, swap_shard, with_shard_columns
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    swap_partition,
)
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.warehouse import ParquetStager

DECONTAMINATION_SCHEMA = {
    "dump": pl.String, "doc_id": pl.String, "url": pl.String, "domain": pl.String,
    "decision": pl.String, "decision_detail": pl.String, "matched_benchmark": pl.String,
    "matched_item_id": pl.String, "matched_ngram": pl.String,
}  # fmt: skip


class DecontaminationConfig(dg.Config):
    benchmarks: list[str] = Field(
        default_factory=list,
        description="Benchmarks to decontaminate against; empty = every benchmark available "
        "under benchmarks_root (a superset of the paper's seven).",
    )
    benchmarks_root: str = Field(
        default="",
        description="Local benchmark directory (layout of ../shared/data/benchmarks). Empty: the "
        "shared directory when present, else the Hugging Face hub.",
    )
    ngram_n: int = Field(default=10, description="Word n-gram length (paper: 10).")
    split: str = "test"
    batch_rows: int = 5000


def benchmark_root(config_root: str) -> Path | None:
    if config_root:
        return Path(config_root)
    return bench.default_root()


def benchmark_names(config: DecontaminationConfig) -> list[str]:
    return (
        sorted(config.benchmarks)
        if config.benchmarks
        else bench.available_benchmarks(benchmark_root(config.benchmarks_root))
    )


def load_contamination_index(
    names: list[str], root: Path | None, n: int, split: str = "test"
) -> tuple[ContaminationIndex, bool, float]:
    """The index from the data dir's cache (see core.decontamination.load_index)."""
    return load_index(names, root, n, paths.data_dir() / "cache" / "decontamination", split)


NO_OVERLAP_CHECK = "decontaminated_documents_no_benchmark_overlap"


def overlap_check(wh, index: ContaminationIndex, part, names: list[str]) -> dg.AssetCheckResult:
    """The shard's kept pages, read back from the warehouse, re-checked against the index."""
    overlapping, checked = [], 0
    for batch in wh.iter_batches(wh.sql("decontaminated_documents_kept_pages"), {"shard_key": part.key}, 2000):
        records = batch.to_dicts()
        matches = first_matches_per_page(
            index, [page_check_texts(r["page_text"], r["structured_pairs"]) for r in records]
        )
        checked += len(records)
        overlapping += [
            {"doc_id": r["doc_id"], "benchmark": m.benchmark, "item_id": m.item_id, "ngram": m.ngram}
            for r, m in zip(records, matches)
            if m is not None
        ]
    return dg.AssetCheckResult(
        check_name=NO_OVERLAP_CHECK,
        passed=not overlapping,
        description=f"{len(overlapping)} of {checked} kept pages share a {index.n}-gram with {', '.join(names)}",
        metadata={
            "kept_pages_checked": checked,
            "overlapping_pages": len(overlapping),
            "overlaps": markdown_sample(pl.DataFrame(overlapping), ["doc_id", "benchmark", "item_id", "ngram"])
            if overlapping
            else dg.MetadataValue.md("_none_"),
        },
    )


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["page_texts"],
    group_name="webinstruct",
    kinds={"duckdb", "python"},
    check_specs=[
        dg.AssetCheckSpec(
            NO_OVERLAP_CHECK, asset="decontaminated_documents", blocking=True,
            description="No kept page of the shard, read back from the warehouse, shares an n-gram with the "
            "configured benchmarks (re-checked from scratch).",
        )
    ],
    description="Pages with no word n-gram (n=10) in common with any benchmark question or answer; "
    "removed pages keep the benchmark item they matched.",
)
def decontaminated_documents(
    context: dg.AssetExecutionContext, config: DecontaminationConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    part = shard_of(context)
    dump = part.dump
    wh = warehouse.get()
    require_table(wh, "page_texts", "page_texts")
    names = benchmark_names(config)
    if not names:
        raise dg.Failure(
            f"no benchmarks to decontaminate against (root={config.benchmarks_root or 'default'})"
        )
    root = benchmark_root(config.benchmarks_root)
    index, cached, seconds = load_contamination_index(names, root, config.ngram_n, config.split)
    context.log.info(
        f"n-gram index: {len(index)} {config.ngram_n}-grams of {index.item_count} items ({'cached' if cached else 'built'} in {seconds:.1f}s)"
    )
    stage = registry.DECONTAMINATED_DOCUMENTS
    writer = DecisionWriter(stage, ParquetStager(wh.staging_dir(stage.name, dump, part.shard)))
    per_benchmark: Counter = Counter()
    for batch in wh.iter_batches(wh.sql(stage.inputs_sql), {"shard_key": part.key}, config.batch_rows):
        decisions = writer.write(pl.DataFrame(decide_pages(index, batch.to_dicts()), schema=DECONTAMINATION_SCHEMA))
        per_benchmark.update(decisions["matched_benchmark"].drop_nulls().to_list())
    rows = swap_partition(wh, stage.name, part, writer.stager, DECONTAMINATION_SCHEMA)
    swap_shard(wh, part, [TableSwap("decontaminated_documents_benchmarks", with_shard_columns(
        pl.DataFrame({"benchmark": names, "ngram_n": [config.ngram_n] * len(names)},
                     schema={"benchmark": pl.String, "ngram_n": pl.Int64}), part))])  # fmt: skip
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "rows": rows,
        **writer.metadata(),
        "contaminated_by_benchmark": counts_markdown(dict(per_benchmark), "benchmark"),
        "benchmarks": ", ".join(names),
        "benchmarks_root": str(root) if root else "huggingface-hub",
        "ngram_n": config.ngram_n,
        "index_ngrams": len(index),
        "index_items": index.item_count,
        "index_coverage": dg.MetadataValue.md(
            "| benchmark | items | catchable |\n|---|---:|---:|\n"
            + "\n".join(f"| {b} | {t} | {c} |" for b, (t, c) in index.coverage().items())
        ),
        "index_cached": cached,
        "index_seconds": round(seconds, 3),
        "removed_sample": markdown_sample(
            pl.DataFrame(writer.dropped_sample, schema=DECONTAMINATION_SCHEMA),
            ["doc_id", "url", "matched_benchmark", "matched_item_id", "matched_ngram"],
        ),
    }
    plot = bar_plot(
        dict(per_benchmark), "pages removed per benchmark", f"decontaminated_documents-{dump}-{part.shard}.png"
    )
    if plot is not None:
        metadata["removed_plot"] = plot
    return dg.MaterializeResult(metadata=metadata, check_results=[overlap_check(wh, index, part, names)])
