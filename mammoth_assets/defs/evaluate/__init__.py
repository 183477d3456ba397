"""Dagster definitions for the evaluate domain: resolve the model, generate, grade, score, compare.

    sft_checkpoint[recipe] --identity--> evaluated_model[checkpoint] --checkpoint dimension-->
    benchmark_generations[checkpoint x benchmark] -> benchmark_grades -> benchmark_scores
    -> benchmark_comparison (every partition)
"""

import dagster as dg

from mammoth_assets.defs.evaluate.comparison import benchmark_comparison
from mammoth_assets.defs.evaluate.generations import benchmark_generations
from mammoth_assets.defs.evaluate.grades import benchmark_grades
from mammoth_assets.defs.evaluate.scores import benchmark_scores
from mammoth_assets.defs.evaluate.checks import ASSET_CHECKS as SCORE_CHECKS
from mammoth_assets.defs.evaluate.jobs import evaluated_model_job, evaluation_job, regrade_job
from mammoth_assets.defs.evaluate.models import evaluated_model, evaluated_model_loadable
from mammoth_assets.defs.evaluate.sensors import evaluate_new_checkpoints, evaluate_resolved_models

ASSETS = [evaluated_model, benchmark_generations, benchmark_grades, benchmark_scores,
          benchmark_comparison]
ASSET_CHECKS = [evaluated_model_loadable, *SCORE_CHECKS]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=ASSET_CHECKS,
    jobs=[evaluated_model_job, evaluation_job, regrade_job],
    sensors=[evaluate_new_checkpoints, evaluate_resolved_models],
)


def demo_run_config() -> dict[str, dict]:
    """Sample scale for `make demo` with the random tiny model: 5 items per benchmark, one shot
    (the tiny model's context is 2,048 tokens), 16 new tokens. A random model states no answer,
    so the unparsable ceiling is 1.0 here (default 0.10)."""
    return {
        "evaluated_model": {},
        "benchmark_generations": {"limit": 5, "shots": 1, "max_tokens": 16},
        "benchmark_grades": {},
        "benchmark_scores": {"unparsable_ceiling": 1.0},
        "benchmark_comparison": {"base_checkpoint": "tiny"},
    }
