"""Names of the dynamic partition sets: `defs/partitions.py` defines the partitions under these
names, and the CLI adds keys to them through the Dagster instance without importing `defs`."""

DUMP = "cc_dump"  # Common Crawl dumps (CC-MAIN-2024-10, ...; the bundled sample: CC-MAIN-SAMPLE)
SHARD = "shard"  # shard indexes within a dump ("00000", ...)
INSTRUCTION_SET = "instruction_set"  # webinstruct, or an external Alpaca/chat file from config
TRAINING_RECIPE = "training_recipe"  # one per training_recipes/*.yaml
CHECKPOINT = "checkpoint"  # evaluation checkpoint keys (a recipe, `tiny`, a path, a hub id)
