"""Dagster definitions for the quality domain: AlpaGasus rating, subsets and pairwise judging."""

import dagster as dg

from mammoth_assets.defs.decision_checks import reconciliation_checks
from mammoth_assets.defs.quality.examples import instruction_examples
from mammoth_assets.defs.quality.judge_answers import judge_answers
from mammoth_assets.defs.quality.judge_verdicts import judge_verdicts
from mammoth_assets.defs.quality.rating import quality_scores
from mammoth_assets.defs.quality.sensors import instruction_set_sensor
from mammoth_assets.defs.quality.subsets import alpagasus_subset, random_subset

ASSETS = [instruction_examples, quality_scores, alpagasus_subset, random_subset, judge_answers, judge_verdicts]
# The other checks are declared on their assets (check_specs) and gated by the asset's config; these
# are generated from the decision-stage registry (rows in = kept + dropped by reason, key by key).
ASSET_CHECKS = reconciliation_checks("alpagasus_subset", "random_subset", "judge_verdicts")

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
