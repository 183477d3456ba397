"""`alpagasus_subset` and `random_subset`: SQL over stored scores, so no LLM call is ever made here.

Both are decision stages (`core/decisions/registry.py`): their tables hold every rated example of
the set with `decision` (`kept` or a declared reason) and `decision_detail`, and the generated
`<stage>_reconciled` checks prove rows in = kept + dropped; training reads `WHERE decision = 'kept'`.
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD, score_histogram
from mammoth_assets.core.decisions import Stage, registry
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.quality.plots import score_histogram_png
from mammoth_assets.defs.quality.tables import markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import ParquetStager, Warehouse


class AlpagasusSubsetConfig(dg.Config):
    threshold: float = PAPER_THRESHOLD  # keep score >= threshold
    sample_rows: int = 5
    max_categories: int = 20  # rows of the per-category breakdown in metadata


class RandomSubsetConfig(dg.Config):
    """The paper's control: a random subset of the same size as `alpagasus_subset`."""

    seed: int = 0


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def llm_calls_since(llm: LLMResource, since: dt.datetime) -> dict:
    """What the request cache's call log recorded while this asset ran (all stages): the subset is
    SQL over stored scores, so this stays zero however often the threshold changes."""
    log = Warehouse(path=Path(llm.settings().cache_path))
    if not log.table_exists("llm_calls"):
        return {"llm_calls_during_run": 0, "llm_backend_requests_during_run": 0}
    row = log.query("llm_calls_since", {"since": since}).row(0, named=True)
    return {
        "llm_calls_during_run": int(row["calls"]),
        "llm_backend_requests_during_run": int(row["backend_requests"]),
    }


SUBSET_CHECK = "alpagasus_subset_matches_scores"
RANDOM_CHECK = "random_subset_size_and_reproducible"


def alpagasus_subset_check(store: Warehouse, name: str, threshold: float) -> dg.AssetCheckResult:
    """kept = the set's scores >= threshold (rows in = kept + dropped is the generated
    `alpagasus_subset_reconciled`)."""
    counts = store.query("alpagasus_subset_matches_scores",
                         {"instruction_set": name, "threshold": threshold}).row(0, named=True)
    passed = counts["kept"] == counts["at_or_above"]
    return dg.AssetCheckResult(check_name=SUBSET_CHECK, passed=bool(passed),
                               metadata={"instruction_set": name, "threshold": threshold,
                                         **{k: int(v) for k, v in counts.items()}})


def random_subset_check(store: Warehouse, name: str, seed: int, size: int) -> dg.AssetCheckResult:
    """As many kept as alpagasus_subset, and the same draw from `seed` (rows in = the rated pool
    is the generated `random_subset_reconciled`)."""
    counts = store.query("random_subset_reproducible",
                         {"instruction_set": name, "seed": seed, "size": size}).row(0, named=True)
    passed = counts["kept"] == counts["alpagasus_kept"] == size and counts["mismatched_draws"] == 0
    return dg.AssetCheckResult(check_name=RANDOM_CHECK, passed=bool(passed),
                               metadata={"instruction_set": name, "seed": seed, "target_size": size,
                                         **{k: int(v) for k, v in counts.items()}})


def _decide(store: Warehouse, stage: Stage, name: str, sql: str, params: dict) -> tuple[int, dict]:
    """Stage the SQL's decided rows through the stage's writer (vocabulary checked, counted), swap
    the set's partition in, and return (rows, kept/dropped metadata)."""
    writer = DecisionWriter(stage, ParquetStager(store.staging_dir(stage.name, name)))
    for batch in store.iter_batches(store.sql(sql), params, batch_rows=50_000):
        writer.write(batch)
    rows = store.replace_partition(stage.name, "instruction_set", name, writer.stager.files)
    writer.stager.cleanup()
    counts = writer.counts
    return rows, {**writer.metadata(), "kept_fraction": counts.kept / counts.rows if counts.rows else 0.0}


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[dg.AssetKey("quality_scores")],
    group_name="quality",
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        SUBSET_CHECK, asset="alpagasus_subset", blocking=True,
        description="kept = number of the set's stored scores >= the asset's threshold.",
    )],
    description="AlpaGasus filter: rated examples with score >= threshold kept (SQL over stored "
    "scores; changing the threshold re-runs no LLM call).",
)
def alpagasus_subset(
    context: dg.AssetExecutionContext,
    config: AlpagasusSubsetConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    name = context.partition_key
    store = warehouse.get()
    started = utc_now()
    params = {"instruction_set": name, "threshold": config.threshold}
    rows, metadata = _decide(store, registry.ALPAGASUS_SUBSET, name, "alpagasus_subset_select", params)
    breakdown = store.query("alpagasus_subset_breakdown", {"instruction_set": name})
    breakdown = pl.concat([  # coding vs non-coding, then the largest categories (e.g. web domains)
        breakdown.filter(pl.col("grouping") == "coding"),
        breakdown.filter(pl.col("grouping") == "category").head(config.max_categories),
    ])
    scores = store.query("quality_scores_of_set", {"instruction_set": name})["score"].to_list()
    plot = score_histogram_png(
        score_histogram(scores), config.threshold, f"{name}: AlpaGasus ratings",
        paths.artifacts_dir("quality", name) / f"alpagasus_subset_t{config.threshold:g}.png",
    )
    coding = breakdown.filter(pl.col("grouping") == "coding")
    fractions = dict(zip(coding["bucket"].to_list(), coding["kept_fraction"].to_list()))
    sample = store.query("alpagasus_subset_sample", {"instruction_set": name, "rows": config.sample_rows})
    context.log.info(f"{name}: kept {metadata['kept']} of {rows} at threshold {config.threshold}")
    return dg.MaterializeResult(
        metadata={
            "instruction_set": name,
            "threshold": config.threshold,
            "rows": rows,
            **metadata,
            "kept_fraction_coding": fractions.get("coding"),
            "kept_fraction_non_coding": fractions.get("non-coding"),
            "breakdown": dg.MetadataValue.md(markdown_table(breakdown)),
            "score_histogram": embedded_png(plot, "score histogram"),
            "score_histogram_path": dg.MetadataValue.path(str(plot)),
            "sample_kept": dg.MetadataValue.md(markdown_table(sample)),
            **llm_calls_since(llm, started),
        },
        check_results=[alpagasus_subset_check(store, name, config.threshold)],
    )


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[alpagasus_subset],
    group_name="quality",
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        RANDOM_CHECK, asset="random_subset", blocking=True,
        description="The random subset keeps exactly as many examples as alpagasus_subset, and a "
        "fresh draw with the asset's seed selects exactly the stored examples.",
    )],
    description="The paper's control: as many examples as alpagasus_subset kept, drawn from the "
    "same rated pool by a seeded hash order (reproducible from the seed).",
)
def random_subset(
    context: dg.AssetExecutionContext, config: RandomSubsetConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    name = context.partition_key
    store = warehouse.get()
    size = int(store.scalar("alpagasus_subset_kept_count", {"instruction_set": name}) or 0)
    params = {"instruction_set": name, "seed": config.seed, "size": size}
    rows, metadata = _decide(store, registry.RANDOM_SUBSET, name, "random_subset_select", params)
    kept = store.query("random_subset_kept_summary", {"instruction_set": name}).row(0, named=True)
    sample = store.query("random_subset_sample", {"instruction_set": name, "rows": 5})
    return dg.MaterializeResult(
        metadata={
            "instruction_set": name,
            "seed": config.seed,
            "target_size": size,
            "rows": rows,
            **metadata,
            "mean_score_kept": kept["mean_score_kept"],
            "coding_kept": int(kept["coding_kept"] or 0),
            "sample_kept": dg.MetadataValue.md(markdown_table(sample)),
        },
        check_results=[random_subset_check(store, name, config.seed, size)],
    )
