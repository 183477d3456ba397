"""Partition definitions shared across domains."""

import dagster as dg

from mammoth_assets.core import partition_names

DUMP_DIMENSION = partition_names.DUMP
SHARD_DIMENSION = partition_names.SHARD

# One partition per Common Crawl dump (CC-MAIN-2024-10, ...). The bundled sample is CC-MAIN-SAMPLE.
cc_dump_partitions = dg.DynamicPartitionsDefinition(name=DUMP_DIMENSION)

# Shard indexes within a dump ("00000", "00001", ...): `wet_files` adds as many as its dump needs.
shard_partitions = dg.DynamicPartitionsDefinition(name=SHARD_DIMENSION)

# Per-document stages run per shard of a dump: the unit of work that runs in parallel, is retried
# alone and is never redone once finished. The dump stays the unit users see (`dump_progress`).
cc_dump_shard_partitions = dg.MultiPartitionsDefinition(
    {DUMP_DIMENSION: cc_dump_partitions, SHARD_DIMENSION: shard_partitions}
)

# One partition per instruction set (webinstruct, or an external Alpaca/chat file from config).
instruction_set_partitions = dg.DynamicPartitionsDefinition(name=partition_names.INSTRUCTION_SET)

# One partition per SFT training recipe.
training_recipe_partitions = dg.DynamicPartitionsDefinition(name=partition_names.TRAINING_RECIPE)

# One partition per evaluation benchmark.
benchmark_partitions = dg.DynamicPartitionsDefinition(name="benchmark")
