"""Evaluation partitions: checkpoint x benchmark.

The checkpoint dimension is dynamic: a key is a training recipe (its `sft_checkpoint` row gives
the directory), `tiny` (the project's tiny model), a local model path, or a Hugging Face model id,
so a base model is evaluated without training anything. The benchmark dimension is static: the
benchmarks are the ones this code has loaders for, so the UI lists them all and a backfill over
every benchmark is one click (a dynamic dimension would need keys added before anything runs).
"""

import dagster as dg

from mammoth_assets.core import partition_names
from mammoth_assets.core.benchmarks import SUPPORTED_BENCHMARKS

checkpoint_partitions = dg.DynamicPartitionsDefinition(name=partition_names.CHECKPOINT)
benchmark_dimension = dg.StaticPartitionsDefinition(list(SUPPORTED_BENCHMARKS))
evaluation_partitions = dg.MultiPartitionsDefinition(
    {"checkpoint": checkpoint_partitions, "benchmark": benchmark_dimension}
)


def evaluation_key(checkpoint: str, benchmark: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"checkpoint": checkpoint, "benchmark": benchmark})
