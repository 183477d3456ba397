"""Asset checks of the evaluation domain that read the whole table, every partition (the
unparsable-rate check is declared on `benchmark_scores` itself: its ceiling is that asset's config)."""


import dagster as dg

from mammoth_assets.defs.evaluate.common import markdown_sample
from mammoth_assets.defs.evaluate.generations import benchmark_generations
from mammoth_assets.defs.evaluate.grades import benchmark_grades
from mammoth_assets.defs.evaluate.scores import benchmark_scores
from mammoth_assets.defs.resources import WarehouseResource


def _table(frame) -> dg.MetadataValue:
    return dg.MetadataValue.md(markdown_sample(frame, frame.columns, 20) if frame.height else "(none)")


@dg.asset_check(asset=benchmark_generations, blocking=True,
                description="Every evaluated item has a generation (no failed or empty LLM call).")
def benchmark_generations_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = warehouse.get().query("benchmark_generations_missing")
    missing = int(frame["missing"].sum()) if frame.height else 0
    return dg.AssetCheckResult(
        passed=frame.height > 0 and missing == 0,
        metadata={
            "partitions": frame.height,
            "items": int(frame["items"].sum()) if frame.height else 0,
            "missing": missing,
            "per_partition": _table(frame.filter(frame["missing"] > 0) if frame.height else frame),
        },
    )


@dg.asset_check(asset=benchmark_grades, blocking=True,
                description="Every stored generation is graded: grades = generations per partition.")
def benchmark_grades_cover_generations(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    mismatched = warehouse.get().query("benchmark_grades_cover_generations")
    return dg.AssetCheckResult(
        passed=mismatched.height == 0,
        metadata={"mismatched_partitions": mismatched.height, "detail": _table(mismatched)},
    )


@dg.asset_check(asset=benchmark_scores, blocking=True,
                description="Scores are proportions: accuracy in [0, 1], correct + unparsable <= n.")
def benchmark_scores_in_range(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    bad = warehouse.get().query("benchmark_scores_out_of_range")
    return dg.AssetCheckResult(
        passed=bad.height == 0, metadata={"bad_rows": bad.height, "detail": _table(bad)}
    )


ASSET_CHECKS = [
    benchmark_generations_complete,
    benchmark_grades_cover_generations,
    benchmark_scores_in_range,
]
