"""`decontaminated_documents`: every page that shares a word 10-gram with a benchmark item (whole,
as on a page, or its question, a choice, its answer) is removed (MAmmoTH2), recording which
benchmark item it matched; the metadata says per benchmark how many items the index can catch."""

import json
from collections import Counter
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core import benchmarks as bench
from mammoth_assets.core.decontamination import ContaminationIndex, load_contamination_index
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    swap_partition,
)
from mammoth_assets.warehouse import ParquetStager

DECONTAMINATION_SCHEMA = {
    "dump": pl.String, "doc_id": pl.String, "url": pl.String, "domain": pl.String,
    "status": pl.String, "reason": pl.String, "matched_benchmark": pl.String,
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


def page_check_texts(page_text: str, structured_pairs: str | None) -> list[str]:
    """What is compared with the benchmarks: the page text and each schema.org question and
    answer, checked one by one so no n-gram spans two of them."""
    pairs = json.loads(structured_pairs) if structured_pairs else []
    return [page_text or ""] + [text for p in pairs for text in (p["question"], p["answer"])]


def first_matches_per_page(index: ContaminationIndex, pages: list[list[str]]) -> list:
    """The first benchmark match of each page (any of its texts), checked in one batch."""
    flat = [text for texts in pages for text in texts]
    found = index.first_matches(flat)
    out, cursor = [], 0
    for texts in pages:
        out.append(next((m for m in found[cursor : cursor + len(texts)] if m is not None), None))
        cursor += len(texts)
    return out


def decide(index: ContaminationIndex, frame: pl.DataFrame) -> pl.DataFrame:
    rows = []
    records = frame.to_dicts()
    matches = first_matches_per_page(
        index, [page_check_texts(r["page_text"], r["structured_pairs"]) for r in records]
    )
    for row, match in zip(records, matches):
        rows.append(
            {
                "dump": row["dump"], "doc_id": row["doc_id"], "url": row["url"], "domain": row["domain"],
                "status": "contaminated" if match else "kept",
                "reason": f"shares a {index.n}-gram with {match.benchmark}/{match.item_id}" if match else "",
                "matched_benchmark": match.benchmark if match else None,
                "matched_item_id": match.item_id if match else None,
                "matched_ngram": match.ngram if match else None,
            }
        )  # fmt: skip
    return pl.DataFrame(rows, schema=DECONTAMINATION_SCHEMA)


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["page_texts"],
    group_name="webinstruct",
    kinds={"duckdb", "python"},
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
    stager = ParquetStager(wh.staging_dir("decontaminated_documents", dump, part.shard))
    per_benchmark: Counter = Counter()
    removed_sample: list[dict] = []
    for batch in wh.iter_batches(
        wh.sql("webinstruct_pages_to_decontaminate"), {"shard_key": part.key}, config.batch_rows
    ):
        decisions = decide(index, batch)
        stager.write(decisions)
        removed = decisions.filter(pl.col("status") == "contaminated")
        per_benchmark.update(removed["matched_benchmark"].to_list())
        removed_sample.extend(removed.head(5).to_dicts()[: max(0, 5 - len(removed_sample))])
    rows = swap_partition(wh, "decontaminated_documents", part, stager, DECONTAMINATION_SCHEMA)
    removed_total = sum(per_benchmark.values())
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "rows": rows,
        "kept": rows - removed_total,
        "contaminated": removed_total,
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
            pl.DataFrame(removed_sample, schema=DECONTAMINATION_SCHEMA),
            ["doc_id", "url", "matched_benchmark", "matched_item_id", "matched_ngram"],
        ),
    }
    plot = bar_plot(
        dict(per_benchmark), "pages removed per benchmark", f"decontaminated_documents-{dump}-{part.shard}.png"
    )
    if plot is not None:
        metadata["removed_plot"] = plot
    return dg.MaterializeResult(metadata=metadata)
