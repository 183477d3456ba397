"""Dagster definitions for the train domain: `sft_checkpoint` per training recipe, its checks and
the sensor that registers recipe files as partitions."""

import dagster as dg

from mammoth_assets.defs.train.assets import SFTCheckpointConfig, sft_checkpoint
from mammoth_assets.defs.train.sensors import training_recipe_sensor

DEMO_RECIPE = "sample-tiny"

defs = dg.Definitions(
    assets=[sft_checkpoint],
    sensors=[training_recipe_sensor],
)


def demo_run_config() -> dict[str, dict]:
    """The demo trains the tiny model for a handful of steps on the sample WebInstruct output
    (partition `sample-tiny`; register it with the sensor or `mammoth train register`)."""
    return {"sft_checkpoint": {"max_steps": 6, "use_deepspeed": False}}


__all__ = ["defs", "demo_run_config", "DEMO_RECIPE", "SFTCheckpointConfig"]
