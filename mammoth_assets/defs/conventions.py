"""Dagster conventions shared by every domain: concurrency pools, code versions, owners, and the
automation and freshness of the per-dump chain.

Pools and code versions sit on each asset's decorator (beside the code they describe); owners,
automation and freshness are policy, applied to the whole graph in `definitions.py` by
`apply_conventions`, so a new asset in a domain gets them without extra code.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

# Concurrency pools (limits in dagster.yaml, `concurrency.pools`): every step of an asset in a
# pool holds one slot of it while it runs, across all runs of the instance.
LLM_POOL = "llm"  # assets that send requests through the `llm` resource
GPU_POOL = "gpu"  # training (one process that owns the accelerators)

OWNERS_BY_GROUP = {
    "crawl": ["team:web-data"],
    "recall": ["team:web-data"],
    "webinstruct": ["team:web-data"],
    "quality": ["team:data-quality"],
    "rationales": ["team:data-quality"],
    "train": ["team:modeling"],
    "evaluate": ["team:modeling"],
}

# The per-dump chain: a new Common Crawl dump's partition flows from its files to refined pairs.
PER_DUMP_PARTITIONS = "cc_dump"
# Common Crawl publishes a dump about monthly; the exported dataset should not lag two of them.
DATASET_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(days=62), warn_window=dt.timedelta(days=35)
)
FRESHNESS_ASSETS = ("refined_qa", "webinstruct")


def prompt_code_version(*prompt_names: str) -> str:
    """The code version of an LLM asset: the versions of the prompt templates it renders (each
    a hash of the template file), so editing a prompt marks the asset's data as stale."""
    from mammoth_assets.llm.prompts import load_prompt

    return "+".join(f"{name}@{load_prompt(name).version}" for name in prompt_names)


def _partition_dimension_names(spec: dg.AssetSpec) -> set[str]:
    partitions_def = spec.partitions_def
    if partitions_def is None:
        return set()
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return {getattr(d.partitions_def, "name", None) or d.name for d in partitions_def.partitions_defs}
    return {getattr(partitions_def, "name", None) or ""}


def per_dump_automation(spec: dg.AssetSpec) -> dg.AutomationCondition | None:
    """Eager for every per-dump asset below the dump's file list: when a dump's upstream
    partition lands (or changes), its downstream partition follows. `wet_files` itself is
    started by the `cc_dump_sensor`."""
    if PER_DUMP_PARTITIONS in _partition_dimension_names(spec) and spec.deps:
        return dg.AutomationCondition.eager()
    return None


def conventional_spec(spec: dg.AssetSpec) -> dg.AssetSpec:
    attributes: dict = {}
    if not spec.owners and spec.group_name in OWNERS_BY_GROUP:
        attributes["owners"] = OWNERS_BY_GROUP[spec.group_name]
    automation = per_dump_automation(spec)
    if spec.automation_condition is None and automation is not None:
        attributes["automation_condition"] = automation
    if spec.freshness_policy is None and spec.key.to_user_string() in FRESHNESS_ASSETS:
        attributes["freshness_policy"] = DATASET_FRESHNESS
    return spec.replace_attributes(**attributes) if attributes else spec


def apply_conventions(defs: dg.Definitions) -> dg.Definitions:
    return defs.map_asset_specs(func=conventional_spec)


# Automation conditions are evaluated by this sensor only once it is turned on (UI: Automation),
# so a fresh instance never starts LLM runs by itself.
per_dump_automation_sensor = dg.AutomationConditionSensorDefinition(
    "per_dump_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Materializes each Common Crawl dump's downstream partitions (documents, recall, "
    "page text, decontamination, extraction, refinement) as soon as their upstream lands.",
)
