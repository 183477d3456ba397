"""Dagster definitions for the quality domain: AlpaGasus rating, subsets and pairwise judging."""

import dagster as dg

from mammoth_assets.defs.quality.examples import instruction_examples, instruction_examples_accounted
from mammoth_assets.defs.quality.sensors import instruction_set_sensor
from mammoth_assets.defs.quality.subsets import (
    alpagasus_subset,
    alpagasus_subset_matches_scores,
    random_subset,
    random_subset_size_and_reproducible,
)

ASSETS = [instruction_examples, alpagasus_subset, random_subset]
ASSET_CHECKS = [
    instruction_examples_accounted,
    alpagasus_subset_matches_scores,
    random_subset_size_and_reproducible,
]

defs = dg.Definitions(assets=ASSETS, asset_checks=ASSET_CHECKS, sensors=[instruction_set_sensor])


def demo_run_config() -> dict[str, dict]:
    return {"instruction_examples": {"limit": 200}, "alpagasus_subset": {"threshold": 3.0}, "random_subset": {}}
