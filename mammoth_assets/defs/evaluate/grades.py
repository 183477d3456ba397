"""`benchmark_grades`: per-item grades from stored generations (extracted answer, correct,
unparsable: counted as wrong, never defaulted). Regrading re-runs no generation."""

import dagster as dg
import polars as pl

from mammoth_assets.core import grading
from mammoth_assets.defs.evaluate.common import markdown_sample, partition_parts
from mammoth_assets.defs.evaluate.generations import benchmark_generations
from mammoth_assets.defs.evaluate.partitions import evaluation_partitions
from mammoth_assets.defs.resources import WarehouseResource

GRADE_SCHEMA = {
    "partition": pl.String, "checkpoint": pl.String, "benchmark": pl.String,
    "item_index": pl.Int64, "item_id": pl.String, "mode": pl.String, "reference": pl.String,
    "answer_kind": pl.String, "extracted": pl.String, "extraction_method": pl.String,
    "correct": pl.Boolean, "unparsable": pl.Boolean, "comparison_method": pl.String,
    "grade_error": pl.String, "generation_error": pl.String, "prompt_hash": pl.String,
    "grader_version": pl.String,
}


class GradingConfig(dg.Config):
    math_timeout_s: float = 5.0  # per comparison (math-verify runs in a worker with this limit)
    workers: int = 2  # parallel comparisons (each LaTeX one in its own math-verify process)
    sample_rows: int = 5


@dg.asset(
    partitions_def=evaluation_partitions,
    deps=[benchmark_generations],
    group_name="evaluate",
    code_version=grading.GRADER_VERSION,
    kinds={"duckdb", "python"},
    description="Per-item grades from stored generations: extracted answer, correct, unparsable "
    "(counted as wrong, never defaulted). Regrading re-runs no generation.",
)
def benchmark_grades(
    context: dg.AssetExecutionContext, config: GradingConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    partition, checkpoint, benchmark = partition_parts(context)
    store = warehouse.get()
    generations = store.query("benchmark_generations_of_partition", {"partition": partition})
    if generations.height == 0:
        raise dg.Failure(f"no stored generations for {partition}: materialize benchmark_generations")
    rows = grading.grade_rows(generations.iter_rows(named=True), workers=config.workers,
                              timeout_s=config.math_timeout_s)
    frame = pl.DataFrame(rows, schema=GRADE_SCHEMA)
    written = store.replace_partition("benchmark_grades", "partition", partition, frame)
    methods = frame.group_by("extraction_method").len().sort("len", descending=True)
    return dg.MaterializeResult(metadata={
        "graded": written,
        "generations": generations.height,
        "correct": int(frame["correct"].sum()),
        "unparsable": int(frame["unparsable"].sum()),
        "extraction_methods": dg.MetadataValue.json(dict(methods.iter_rows())),
        "grader_version": grading.GRADER_VERSION,
        "sample": dg.MetadataValue.md(markdown_sample(
            frame, ["item_id", "mode", "reference", "extracted", "correct", "unparsable"],
            config.sample_rows)),
    })
