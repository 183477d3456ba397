"""`benchmark_scores`: accuracy, n and unparsable count per checkpoint x benchmark, with the
unparsable-rate check declared on the asset (its ceiling is the asset's own config)."""

import datetime as dt
from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets.core import grading
from mammoth_assets.core.benchmarks import benchmark_spec
from mammoth_assets.defs.evaluate.common import markdown_sample, partition_parts
from mammoth_assets.defs.evaluate.grades import benchmark_grades
from mammoth_assets.defs.evaluate.partitions import evaluation_partitions
from mammoth_assets.defs.resources import WarehouseResource


class ScoresConfig(dg.Config):
    # Ceiling of the unparsable-answer rate checked by `benchmark_scores_unparsable_rate`. A
    # trained model states its answer almost always; the demo's random tiny model never does.
    unparsable_ceiling: float = 0.10


UNPARSABLE_RATE_CHECK = "benchmark_scores_unparsable_rate"


def unparsable_rate_check(partition: str, n: int, unparsable: int, ceiling: float) -> dg.AssetCheckResult:
    """The partition's unparsable-answer rate against the ceiling of the scoring run's config."""
    rate = unparsable / n
    return dg.AssetCheckResult(
        check_name=UNPARSABLE_RATE_CHECK,
        passed=rate <= ceiling,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"partition": partition, "n": n, "unparsable": unparsable,
                  "unparsable_rate": round(rate, 4), "unparsable_ceiling": ceiling},
    )


@dg.asset(
    partitions_def=evaluation_partitions,
    deps=[benchmark_grades],
    group_name="evaluate",
    kinds={"duckdb"},
    description="Accuracy, n and unparsable count per checkpoint x benchmark.",
    check_specs=[dg.AssetCheckSpec(
        UNPARSABLE_RATE_CHECK, asset="benchmark_scores", blocking=False,
        description="Unparsable-answer rate at or below the ceiling set in the scores config "
        "(`unparsable_ceiling`, default 0.10).")],
)
def benchmark_scores(
    context: dg.AssetExecutionContext, config: ScoresConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    partition, checkpoint, benchmark = partition_parts(context)
    store = warehouse.get()
    counts = store.query("benchmark_grades_counts", {"partition": partition}).row(0, named=True)
    n = counts["n"]
    if n == 0:
        raise dg.Failure(f"no grades for {partition}: materialize benchmark_grades")
    row = {
        "partition": partition,
        "checkpoint": checkpoint,
        "benchmark": benchmark,
        **counts,
        "accuracy": counts["correct"] / n,
        "unparsable_rate": counts["unparsable"] / n,
        "grader_version": grading.GRADER_VERSION,
        "scored_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }
    store.replace_partition("benchmark_scores", "partition", partition,
                            pl.DataFrame([row], schema_overrides={"scored_at": pl.Datetime("us")}))
    extra: dict[str, Any] = {}
    if benchmark_spec(benchmark).subsets:  # BBH tasks, MMLU subjects
        subsets = store.query("benchmark_grades_by_subset", {"partition": partition})
        extra["accuracy_by_subset"] = dg.MetadataValue.md(
            markdown_sample(subsets, subsets.columns, subsets.height))
    return dg.MaterializeResult(metadata={
        **extra,
        "n": n,
        "correct": counts["correct"],
        "accuracy": round(row["accuracy"], 4),
        "unparsable": counts["unparsable"],
        "unparsable_rate": round(row["unparsable_rate"], 4),
        "wrong_parsed": n - counts["correct"] - counts["unparsable"],
        "pot_used": counts["pot_used"],
        "generation_errors": counts["generation_errors"],
    }, check_results=[
        unparsable_rate_check(partition, n, counts["unparsable"], config.unparsable_ceiling)])
