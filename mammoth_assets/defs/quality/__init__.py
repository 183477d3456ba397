"""Dagster definitions for the quality domain: AlpaGasus rating, subsets and pairwise judging."""

import dagster as dg

from mammoth_assets.defs.quality.examples import instruction_examples, instruction_examples_accounted
from mammoth_assets.defs.quality.judging import (
    judge_answers,
    judge_verdicts,
    judge_verdicts_parse_failure_rate,
)
from mammoth_assets.defs.quality.rating import quality_scores, quality_scores_parse_failure_rate
from mammoth_assets.defs.quality.sensors import instruction_set_sensor
from mammoth_assets.defs.quality.subsets import (
    alpagasus_subset,
    alpagasus_subset_matches_scores,
    random_subset,
    random_subset_size_and_reproducible,
)

ASSETS = [instruction_examples, quality_scores, alpagasus_subset, random_subset, judge_answers, judge_verdicts]
ASSET_CHECKS = [
    instruction_examples_accounted,
    quality_scores_parse_failure_rate,
    alpagasus_subset_matches_scores,
    random_subset_size_and_reproducible,
    judge_verdicts_parse_failure_rate,
]

defs = dg.Definitions(assets=ASSETS, asset_checks=ASSET_CHECKS, sensors=[instruction_set_sensor])


def demo_run_config() -> dict[str, dict]:
    """Sample-scale config for `make demo` (tiny random model, bundled data).

    The tiny model is random and rates nearly everything alike, so the demo lowers the threshold
    to 3.0 to keep a non-empty subset; judging uses the six bundled demo prompts (no shared data
    needed). Parse-failure ceilings stay at their strict defaults: constrained decoding makes every
    rating and judgement parseable even from the random model."""
    return {
        "instruction_examples": {"limit": 200},
        "quality_scores": {"limit": 40, "max_tokens": 48, "batch_size": 40},
        "alpagasus_subset": {"threshold": 3.0},
        "random_subset": {},
        "judge_answers": {
            "test_sets": ["demo_prompts"],
            "limit_per_set": 3,
            "model_a": {"label": "tiny_seed1", "seed": 1, "max_tokens": 48},
            "model_b": {"label": "tiny_seed2", "seed": 2, "max_tokens": 48},
        },
        "judge_verdicts": {"max_tokens": 48},
    }
