"""Jobs: resolve a checkpoint's model, evaluate (generate -> grade -> score), regrade (grade ->
score, no generation)."""

import dagster as dg

# Partitioning is inferred from the selected assets.
evaluated_model_job = dg.define_asset_job(
    "evaluated_model_job",
    selection=dg.AssetSelection.assets("evaluated_model"),
    description="Resolve and fingerprint the model of one checkpoint key.",
)

evaluation_job = dg.define_asset_job(
    "evaluation_job",
    selection=dg.AssetSelection.assets("benchmark_generations", "benchmark_grades", "benchmark_scores"),
    description="Generate, grade and score one checkpoint x benchmark partition.",
)

regrade_job = dg.define_asset_job(
    "regrade_job",
    selection=dg.AssetSelection.assets("benchmark_grades", "benchmark_scores"),
    description="Re-grade stored generations after a grader change (no model calls).",
)
