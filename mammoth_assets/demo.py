"""The main job: the whole asset graph materialized for the bundled sample dump, offline.

The graph spans several partitionings (Common Crawl dumps, instruction sets, training recipes,
checkpoint x benchmark), and one Dagster run covers one partition key, so the demo is a short
sequence of runs against the project's Dagster instance (`DAGSTER_HOME`), each shown in the UI:

1. web data: crawl -> recall (both rounds) -> WebInstruct, for the `CC-MAIN-SAMPLE` dump partition
   (the run also materializes the cross-dump assets: seeds, classifiers, domain verdicts, dataset);
2. quality: AlpaGasus rating, subsets and pairwise judging, for the `webinstruct` instruction set;
3. rationales: PoT programs, sandboxed verification, hybrid dataset, for `webinstruct`;
4. train: the `sample-tiny` recipe (the tiny model, a few SFT steps on CPU);
5. models: the trained checkpoint and the base tiny model resolved and fingerprinted;
6. evaluate: every benchmark for both, then the comparison.

Each stage's run config comes from the domain's `demo_run_config()` (sample-scale values), which
is also the `sample` settings profile: `make ui` launches the same defaults (defs/profiles.py).
Every LLM call goes through the request cache, so a second `make demo` pays for none.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import dagster as dg

from mammoth_assets import paths
from mammoth_assets.defs import crawl, evaluate, quality, rationales, recall, train, webinstruct

log = logging.getLogger("mammoth.demo")


@dataclass
class DemoStage:
    name: str
    domains: Sequence[object]  # domain packages with `defs` and `demo_run_config()`
    partitions_def_name: str | None = None
    partition_keys: Callable[[dg.DagsterInstance], list[str | None]] = lambda _: [None]
    # Assets of these domains that belong to another partitioning are left to their own stage.
    include_unpartitioned: bool = True
    extra: dict = field(default_factory=dict)


def _domain_assets(domain: object) -> list[dg.AssetsDefinition]:
    return [a for a in domain.defs.assets or [] if isinstance(a, dg.AssetsDefinition)]


def _partitions_name(asset: dg.AssetsDefinition) -> str | None:
    partitions_def = asset.partitions_def
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return "x".join(sorted(d.name for d in partitions_def.partitions_defs))
    return getattr(partitions_def, "name", None) or type(partitions_def).__name__


def stage_asset_keys(stage: DemoStage) -> list[dg.AssetKey]:
    keys: list[dg.AssetKey] = []
    for domain in stage.domains:
        for asset in _domain_assets(domain):
            name = _partitions_name(asset)
            if name == stage.partitions_def_name or (name is None and stage.include_unpartitioned):
                keys.extend(asset.keys)
    return keys


def stage_run_config(stage: DemoStage) -> dict:
    ops: dict[str, dict] = {}
    for domain in stage.domains:
        demo_config = getattr(domain, "demo_run_config", None)
        for asset_name, config in (demo_config() if demo_config else {}).items():
            ops[asset_name] = {"config": config}
    return {"ops": ops}


def default_stages() -> list[DemoStage]:
    from mammoth_assets.demo_partitions import (
        checkpoint_keys,
        evaluation_partition_keys,
        instruction_set_keys,
        recipe_keys,
        webinstruct_keys,
        sample_dump_keys,
    )

    return [
        DemoStage("web data", [crawl, recall, webinstruct], "cc_dump", sample_dump_keys),
        DemoStage("quality", [quality], "instruction_set", instruction_set_keys, False),
        DemoStage("judging", [quality], None),
        DemoStage("rationales", [rationales], "instruction_set", webinstruct_keys, False),
        DemoStage("train", [train], "training_recipe", recipe_keys, False),
        DemoStage("models", [evaluate], "checkpoint", checkpoint_keys, False),
        DemoStage("evaluate", [evaluate], "benchmarkxcheckpoint", evaluation_partition_keys, False),
        DemoStage("summary", [evaluate], None),
    ]


def run_demo(
    stages: Sequence[DemoStage] | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
) -> list[dg.ExecuteInProcessResult]:
    from mammoth_assets.definitions import build_definitions

    defs = build_definitions("sample")
    instance = instance or dg.DagsterInstance.get()
    results = []
    for stage in stages or default_stages():
        keys = stage_asset_keys(stage)
        if not keys:
            log.warning("demo stage %s has no assets; skipped", stage.name)
            continue
        job = defs.resolve_implicit_job_def_def_for_assets(keys)
        run_config = stage_run_config(stage)
        for partition_key in stage.partition_keys(instance):
            started = time.monotonic()
            print(f"[demo] {stage.name}: {len(keys)} assets, partition {partition_key or '-'}", flush=True)
            result = job.execute_in_process(
                run_config=run_config,
                instance=instance,
                partition_key=partition_key,
                asset_selection=keys,
                raise_on_error=raise_on_error,
                tags={"mammoth/demo": stage.name},
            )
            failed_checks = [
                evaluation
                for evaluation in result.get_asset_check_evaluations()
                if not evaluation.passed
            ]
            print(
                f"[demo] {stage.name} ({partition_key or '-'}): "
                f"{'ok' if result.success else 'FAILED'} in {time.monotonic() - started:.0f}s, "
                f"{len(result.get_asset_materialization_events())} materializations, "
                f"{len(result.get_asset_check_evaluations())} checks"
                + (f", {len(failed_checks)} failed: "
                   + ", ".join(f"{c.asset_key.to_user_string()}:{c.check_name}" for c in failed_checks)
                   if failed_checks else ""),
                flush=True,
            )
            results.append(result)
    print(f"[demo] done. Warehouse: {paths.warehouse_path()}. UI: make ui", flush=True)
    return results
