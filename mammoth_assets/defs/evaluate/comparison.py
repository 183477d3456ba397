"""`benchmark_comparison`: every checkpoint's scores beside the base model's and the paper's
published numbers (from the benchmark registry); markdown table and bar chart."""

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import evaluation
from mammoth_assets.defs.evaluate.scores import benchmark_scores
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.resources import WarehouseResource

COMPARISON_SCHEMA = {
    "checkpoint": pl.String, "benchmark": pl.String, "n": pl.Int64, "accuracy_pct": pl.Float64,
    "unparsable": pl.Int64, "base_checkpoint": pl.String, "base_accuracy_pct": pl.Float64,
    "delta_vs_base_pct": pl.Float64, "paper_mammoth2_7b_pct": pl.Float64,
    "paper_mistral_7b_pct": pl.Float64, "delta_vs_paper_pct": pl.Float64,
}


class ComparisonConfig(dg.Config):
    base_checkpoint: str = "mistralai/Mistral-7B-v0.1"  # the checkpoint key of the base model


@dg.asset(
    deps=[benchmark_scores],
    group_name="evaluate",
    kinds={"duckdb", "python"},
    description="Every checkpoint's scores beside the base model's and the MAmmoTH2 paper's "
    "published MAmmoTH2-7B / Mistral-7B numbers; markdown table and bar chart.",
)
def benchmark_comparison(
    context: dg.AssetExecutionContext, config: ComparisonConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    store = warehouse.get()
    if not store.table_exists("benchmark_scores"):
        raise dg.Failure("no benchmark_scores yet: materialize some evaluation partitions first")
    scores = store.query("benchmark_scores_all").to_dicts()
    reference = evaluation.load_reference_scores()
    rows = evaluation.comparison_rows(scores, base_checkpoint=config.base_checkpoint,
                                      reference=reference)
    frame = pl.DataFrame(rows, schema=COMPARISON_SCHEMA)
    store.replace_table("benchmark_comparison", frame)
    chart = evaluation.plot_comparison(rows, reference,
                                       paths.artifacts_dir("evaluate") / "benchmark_comparison.png")
    return dg.MaterializeResult(metadata={
        "rows": len(rows),
        "checkpoints": dg.MetadataValue.json(sorted({r["checkpoint"] for r in rows})),
        "base_checkpoint": config.base_checkpoint,
        "table": dg.MetadataValue.md(evaluation.comparison_markdown(rows)),
        "chart": embedded_png(chart, "benchmark comparison"),
        "chart_path": dg.MetadataValue.path(str(chart)),
        "paper_source": reference["source"],
    })
