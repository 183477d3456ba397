"""Partition definitions shared across domains."""

import dagster as dg

# One partition per Common Crawl dump (CC-MAIN-2024-10, ...). The bundled sample is CC-MAIN-SAMPLE.
cc_dump_partitions = dg.DynamicPartitionsDefinition(name="cc_dump")

# One partition per instruction set (webinstruct, or an external Alpaca/chat file from config).
instruction_set_partitions = dg.DynamicPartitionsDefinition(name="instruction_set")

# One partition per SFT training recipe.
training_recipe_partitions = dg.DynamicPartitionsDefinition(name="training_recipe")

# One partition per evaluation benchmark.
benchmark_partitions = dg.DynamicPartitionsDefinition(name="benchmark")
