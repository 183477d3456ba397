"""Dagster definitions for the evaluate domain: generate, grade, score, compare."""

import dagster as dg

from mammoth_assets.defs.evaluate.assets import (
    benchmark_comparison,
    benchmark_generations,
    benchmark_grades,
    benchmark_scores,
)
from mammoth_assets.defs.evaluate.checks import ASSET_CHECKS
from mammoth_assets.defs.evaluate.jobs import evaluation_job, regrade_job
from mammoth_assets.defs.evaluate.sensors import evaluate_new_checkpoints

ASSETS = [benchmark_generations, benchmark_grades, benchmark_scores, benchmark_comparison]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=ASSET_CHECKS,
    jobs=[evaluation_job, regrade_job],
    sensors=[evaluate_new_checkpoints],
)


def demo_run_config() -> dict[str, dict]:
    """Sample scale for `make demo` with the random tiny model: 5 items per benchmark, one shot
    (the tiny model's context is 2,048 tokens), 16 new tokens. A random model states no answer,
    so the unparsable ceiling is 1.0 here (default 0.10)."""
    return {
        "benchmark_generations": {"limit": 5, "shots": 1, "max_tokens": 16},
        "benchmark_grades": {},
        "benchmark_scores": {"unparsable_ceiling": 1.0},
        "benchmark_comparison": {"base_checkpoint": "tiny"},
    }


def demo_partition_keys(checkpoint: str = "tiny") -> list[dg.MultiPartitionKey]:
    """The evaluation partitions the demo materializes: `checkpoint` (add it to the `checkpoint`
    dynamic partitions first) on every benchmark available locally (GPQA needs its CSV)."""
    from mammoth_assets.core.benchmarks import available_benchmarks
    from mammoth_assets.defs.evaluate.partitions import evaluation_key

    return [evaluation_key(checkpoint, name) for name in available_benchmarks()]
