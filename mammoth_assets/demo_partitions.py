"""Which partitions the demo materializes, registering them on the instance first."""

from __future__ import annotations

import os

import dagster as dg

from mammoth_assets import paths

SAMPLE_RECIPE = "sample-tiny"
BASE_CHECKPOINT = "tiny"


def _register(instance: dg.DagsterInstance, partitions_name: str, keys: list[str]) -> list[str]:
    existing = set(instance.get_dynamic_partitions(partitions_name))
    missing = [key for key in keys if key not in existing]
    if missing:
        instance.add_dynamic_partitions(partitions_name, missing)
    return keys


def sample_dump_keys(instance: dg.DagsterInstance) -> list[str]:
    from mammoth_assets.core.sample_dump import ensure_sample_mirror

    ensure_sample_mirror()
    return _register(instance, "cc_dump", [paths.SAMPLE_DUMP])


def sample_shard_keys(instance: dg.DagsterInstance) -> list[dg.MultiPartitionKey]:
    """The sample dump's shards, as listed by its latest wet_files materialization."""
    from mammoth_assets.core.shards import shard_names
    from mammoth_assets.defs.crawl.sensors import listed_shards

    listed = listed_shards(instance, paths.SAMPLE_DUMP)
    count = listed[0] if listed else 0
    return [dg.MultiPartitionKey({"cc_dump": paths.SAMPLE_DUMP, "shard": s}) for s in shard_names(count)]


def instruction_set_keys(instance: dg.DagsterInstance) -> list[str]:
    keys = ["webinstruct"]
    if paths.shared_data_dir().exists():
        keys.append("alpaca_random_9k")  # the AlpaGasus random 9K Alpaca subset (a slice in the demo)
    return _register(instance, "instruction_set", keys)


def webinstruct_keys(instance: dg.DagsterInstance) -> list[str]:
    return _register(instance, "instruction_set", ["webinstruct"])


def recipe_keys(instance: dg.DagsterInstance) -> list[str]:
    return _register(instance, "training_recipe", [SAMPLE_RECIPE])


def checkpoint_keys(instance: dg.DagsterInstance) -> list[str]:
    """The trained sample checkpoint and its base model, side by side in the comparison."""
    return _register(instance, "checkpoint", [SAMPLE_RECIPE, BASE_CHECKPOINT])


def evaluation_partition_keys(instance: dg.DagsterInstance) -> list[dg.MultiPartitionKey]:
    from mammoth_assets.core.benchmarks import SUPPORTED_BENCHMARKS, available_benchmarks

    checkpoints = checkpoint_keys(instance)
    present = set(available_benchmarks()) if paths.shared_data_dir().exists() else set()
    wanted = [b for b in os.environ.get("MAMMOTH_DEMO_BENCHMARKS", "").split(",") if b]
    benchmarks = [
        name for name in SUPPORTED_BENCHMARKS if name in present and (not wanted or name in wanted)
    ]
    return [
        dg.MultiPartitionKey({"checkpoint": checkpoint, "benchmark": benchmark})
        for checkpoint in checkpoints
        for benchmark in benchmarks
    ]
