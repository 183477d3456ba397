"""Steps: core logic bound to storage (the warehouse) or the LLM layer, without Dagster.

`core/` is pure (it imports neither the warehouse, the LLM layer nor Dagster); `defs/` is Dagster.
What needs a `Warehouse` or an `LLMRequest` but no Dagster lives here, so that assets, the CLI and
benchmarks share it: the near-duplicate pipeline over warehouse tables, the training-set reader,
the one checkpoint lookup, evaluation requests rendered from versioned prompt templates.
"""
