"""`alpagasus_subset` and `random_subset`: SQL over stored scores, so no LLM call is ever made here.

Both tables hold every rated example of the set with `status` kept/dropped and a `reason`, so
rows in = kept + dropped; training reads `WHERE status = 'kept'`.
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD, score_histogram
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.quality.plots import score_histogram_png
from mammoth_assets.defs.quality.tables import markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import ParquetStager, Warehouse


class AlpagasusSubsetConfig(dg.Config):
    threshold: float = PAPER_THRESHOLD
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
    row = log.query("quality_llm_calls_since", {"since": since}).row(0, named=True)
    return {
        "llm_calls_during_run": int(row["calls"]),
        "llm_backend_requests_during_run": int(row["backend_requests"]),
    }


def _stage_query(store: Warehouse, table: str, name: str, sql: str, params: dict) -> int:
    stager = ParquetStager(store.staging_dir(table, name))
    for batch in store.iter_batches(store.sql(sql), params, batch_rows=50_000):
        stager.write(batch)
    rows = store.replace_partition(table, "instruction_set", name, stager.files)
    stager.cleanup()
    return rows


def _decision_metadata(frame: pl.DataFrame) -> dict:
    kept = int(frame.filter(pl.col("status") == "kept")["examples"].sum())
    dropped = int(frame.filter(pl.col("status") == "dropped")["examples"].sum())
    return {
        "rows_in": kept + dropped,
        "kept": kept,
        "dropped": dropped,
        "kept_fraction": kept / (kept + dropped) if kept + dropped else 0.0,
        "dropped_by_reason": dg.MetadataValue.md(markdown_table(frame)),
    }


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[dg.AssetKey("quality_scores")],
    group_name="quality",
    kinds={"duckdb"},
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
    rows = _stage_query(store, "alpagasus_subset", name, "quality_alpagasus_subset", params)
    decisions = store.query("quality_subset_decisions", {"instruction_set": name})
    breakdown = store.query("quality_subset_breakdown", {"instruction_set": name})
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
    sample = store.query("quality_subset_sample", {"instruction_set": name, "rows": config.sample_rows})
    metadata = _decision_metadata(decisions)
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
        }
    )


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[alpagasus_subset],
    group_name="quality",
    kinds={"duckdb"},
    description="The paper's control: as many examples as alpagasus_subset kept, drawn from the "
    "same rated pool by a seeded hash order (reproducible from the seed).",
)
def random_subset(
    context: dg.AssetExecutionContext, config: RandomSubsetConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    name = context.partition_key
    store = warehouse.get()
    size = int(store.scalar("quality_subset_kept_count", {"instruction_set": name}) or 0)
    params = {"instruction_set": name, "seed": config.seed, "size": size}
    rows = _stage_query(store, "random_subset", name, "quality_random_subset", params)
    decisions = store.query("quality_random_decisions", {"instruction_set": name})
    kept = store.query("quality_random_kept_summary", {"instruction_set": name}).row(0, named=True)
    sample = store.query("quality_random_sample", {"instruction_set": name, "rows": 5})
    return dg.MaterializeResult(
        metadata={
            "instruction_set": name,
            "seed": config.seed,
            "target_size": size,
            "rows": rows,
            **_decision_metadata(decisions),
            "mean_score_kept": kept["mean_score_kept"],
            "coding_kept": int(kept["coding_kept"] or 0),
            "sample_kept": dg.MetadataValue.md(markdown_table(sample)),
        }
    )


@dg.asset_check(asset=alpagasus_subset, blocking=True, description=(
    "Per set: kept = number of stored scores >= the threshold, and rated = kept + dropped."
))
def alpagasus_subset_matches_scores(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    if not store.table_exists("alpagasus_subset"):
        return dg.AssetCheckResult(passed=False, description="table alpagasus_subset is missing")
    frame = store.query("quality_check_subset_size")
    bad = frame.filter(
        (pl.col("kept") != pl.col("at_or_above"))
        | (pl.col("kept") + pl.col("dropped") != pl.col("rated"))
        | (pl.col("thresholds") != 1)
    )
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"per_set": dg.MetadataValue.md(markdown_table(frame)),
                  "sets_failing": bad["instruction_set"].to_list()},
    )


@dg.asset_check(asset=random_subset, blocking=True, description=(
    "Per set: the random subset keeps exactly as many examples as alpagasus_subset, its rows "
    "(kept + dropped) are exactly the rated pool, and a fresh draw with the stored seed selects "
    "exactly the stored examples."
))
def random_subset_size_and_reproducible(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    if not store.table_exists("random_subset"):
        return dg.AssetCheckResult(passed=False, description="table random_subset is missing")
    frame = store.query("quality_check_random_subset")
    bad = frame.filter(
        (pl.col("kept") != pl.col("alpagasus_kept"))
        | (pl.col("kept") != pl.col("target_size"))
        | (pl.col("mismatched_draws") > 0)
        | (pl.col("pool") != pl.col("rated"))
    )
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"per_set": dg.MetadataValue.md(markdown_table(frame)),
                  "sets_failing": bad["instruction_set"].to_list()},
    )
