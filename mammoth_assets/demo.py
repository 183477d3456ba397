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
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence, TextIO

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
    asset_names: Sequence[str] = ()  # when set: exactly these assets (the sharded web-data steps)


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
    if stage.asset_names:
        return [dg.AssetKey(name) for name in stage.asset_names]
    keys: list[dg.AssetKey] = []
    for domain in stage.domains:
        for asset in _domain_assets(domain):
            name = _partitions_name(asset)
            if name == stage.partitions_def_name or (name is None and stage.include_unpartitioned):
                keys.extend(asset.keys)
    return keys


def stage_run_config(stage: DemoStage) -> dict:
    """The domains' demo configs for the ops this stage runs (an op's name is its asset's, or
    the multi-asset's, e.g. crawl_and_score_shard)."""
    from mammoth_assets.definitions import defs

    wanted = {defs.resolve_assets_def(key).op.name for key in stage_asset_keys(stage)}
    ops: dict[str, dict] = {}
    for domain in stage.domains:
        demo_config = getattr(domain, "demo_run_config", None)
        for op_name, config in (demo_config() if demo_config else {}).items():
            if op_name in wanted:
                ops[op_name] = {"config": config}
    return {"ops": ops}


def default_stages() -> list[DemoStage]:
    from mammoth_assets.demo_partitions import (
        checkpoint_keys,
        evaluation_partition_keys,
        instruction_set_keys,
        recipe_keys,
        sample_dump_keys,
        sample_shard_keys,
        webinstruct_keys,
    )

    web = [crawl, recall, webinstruct]
    return [
        # The web data runs shard by shard: list the dump's files and shards, train round 1, read
        # and score each shard, judge domains and train round 2, then carry each shard through
        # round 2 and WebInstruct, then the dump-level view and MinHash buckets, and the cross-dump
        # dataset.
        DemoStage("web data", web, "cc_dump", sample_dump_keys, asset_names=["wet_files"]),
        DemoStage("web data", web, None, asset_names=["recall_seeds", "recall_classifier"]),
        DemoStage("web data", web, "cc_dumpxshard", sample_shard_keys,
                  asset_names=["web_documents", "recall_scores_round1"]),
        DemoStage("web data", web, None, asset_names=["domain_verdicts", "recall_classifier_round2"]),
        DemoStage("web data", web, "cc_dumpxshard", sample_shard_keys,
                  asset_names=["recalled_documents", "page_texts", "decontaminated_documents",
                               "extracted_qa", "refined_qa"]),
        DemoStage("web data", web, "cc_dump", sample_dump_keys, asset_names=["dump_progress", "webinstruct_minhash"]),
        DemoStage("web data", web, None, asset_names=["webinstruct"]),
        DemoStage("quality", [quality], "instruction_set", instruction_set_keys, False),
        DemoStage("judging", [quality], None),
        DemoStage("rationales", [rationales], "instruction_set", webinstruct_keys, False),
        DemoStage("train", [train], "training_recipe", recipe_keys, False),
        DemoStage("models", [evaluate], "checkpoint", checkpoint_keys, False),
        DemoStage("evaluate", [evaluate], "benchmarkxcheckpoint", evaluation_partition_keys, False),
        DemoStage("summary", [evaluate], None),
    ]


@dataclass
class StageOutcome:
    """What one demo stage did, over all of its partitions' runs."""

    name: str
    runs: int = 0
    failed_runs: int = 0
    seconds: float = 0.0
    assets: int = 0  # materializations
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)

    def add(self, result: dg.ExecuteInProcessResult, seconds: float) -> None:
        self.runs += 1
        self.failed_runs += 0 if result.success else 1
        self.seconds += seconds
        self.assets += len(result.get_asset_materialization_events())
        for evaluation in result.get_asset_check_evaluations():
            if evaluation.passed:
                self.checks_passed += 1
            else:
                self.checks_failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")

    @property
    def status(self) -> str:
        if self.failed_runs:
            return f"FAILED ({self.failed_runs} of {self.runs} runs)"
        return "ok" if not self.checks_failed else "ok, checks failed"

    def line(self) -> str:
        checks = f"{self.checks_passed} checks passed" + (
            f", {len(self.checks_failed)} FAILED" if self.checks_failed else "")
        runs = f" in {self.runs} runs" if self.runs > 1 else ""
        return f"{self.status} in {self.seconds:.0f} s: {self.assets} assets{runs}, {checks}"


def summary_table(outcomes: Sequence[StageOutcome]) -> str:
    header = ("stage", "runs", "seconds", "assets", "checks passed", "checks failed", "result")
    rows = [(o.name, str(o.runs), f"{o.seconds:.0f}", str(o.assets), str(o.checks_passed),
             str(len(o.checks_failed)), o.status) for o in outcomes]
    rows.append(("total", str(sum(o.runs for o in outcomes)), f"{sum(o.seconds for o in outcomes):.0f}",
                 str(sum(o.assets for o in outcomes)), str(sum(o.checks_passed for o in outcomes)),
                 str(sum(len(o.checks_failed) for o in outcomes)),
                 "ok" if all(o.status == "ok" for o in outcomes) else "see above"))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    failed = [f"  failed check: {name} ({o.name})" for o in outcomes for name in o.checks_failed]
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows[:-1]), rule, fmt(rows[-1]), *failed])


def console_run_config(run_config: dict, log_level: str) -> dict:
    """The stage's run config with Dagster's console logger at `log_level` (every event still
    reaches the instance's event log, i.e. the UI, and the log file)."""
    return {**run_config, "loggers": {"console": {"config": {"log_level": log_level.upper()}}}}


def run_demo(
    stages: Sequence[DemoStage] | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
    log_level: str = "WARNING",
    out: TextIO | None = None,
) -> list[dg.ExecuteInProcessResult]:
    """Run the stages; print one line per stage and a summary table to `out` (stdout)."""
    from mammoth_assets.definitions import build_definitions
    from mammoth_assets.logs import dagster_log_path

    out = out or sys.stdout
    defs = build_definitions("sample")
    instance = instance or dg.DagsterInstance.get()
    results: list[dg.ExecuteInProcessResult] = []
    outcomes: list[StageOutcome] = []
    for stage in stages or default_stages():
        keys = stage_asset_keys(stage)
        if not keys:
            log.warning("demo stage %s has no assets; skipped", stage.name)
            continue
        job = defs.resolve_implicit_job_def_def_for_assets(keys)
        run_config = console_run_config(stage_run_config(stage), log_level)
        outcome = StageOutcome(stage.name)
        partition_keys = stage.partition_keys(instance)
        print(f"[demo] {stage.name:<11} {len(keys):>2} assets x {len(partition_keys)} "
              f"partition{'s' if len(partition_keys) != 1 else ''} ... ", end="", file=out, flush=True)
        for partition_key in partition_keys:
            started = time.monotonic()
            result = job.execute_in_process(
                run_config=run_config,
                instance=instance,
                partition_key=partition_key,
                asset_selection=keys,
                raise_on_error=raise_on_error,
                tags={"mammoth/demo": stage.name},
            )
            outcome.add(result, time.monotonic() - started)
            results.append(result)
        print(outcome.line(), file=out, flush=True)
        outcomes.append(outcome)
        if outcome.failed_runs:  # later stages read what this one did not write
            print(f"[demo] stopped: stage {stage.name!r} failed; its errors are above and in the log",
                  file=out, flush=True)
            break
    print("", file=out)
    print(summary_table(outcomes), file=out)
    log_file = dagster_log_path()
    print(f"\nWarehouse: {paths.warehouse_path()}", file=out)
    if log_file.exists():
        print(f"Dagster log (every event of every run): {log_file}", file=out)
    print("Runs, metadata, plots and checks in the UI: make ui (http://127.0.0.1:3000)", file=out, flush=True)
    return results
