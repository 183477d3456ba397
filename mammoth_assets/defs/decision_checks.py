"""Reconciliation checks generated from the decision-stage registry (`core/decisions/registry.py`):
one blocking check per registered stage, attached to the stage's asset and partitioned like it,
that reads the real tables and passes only when rows in = kept + dropped by reason, key by key,
with every decision in the stage's vocabulary. Like PUDL's checks generated from its central
metadata, no stage writes its own reconciliation SQL or check."""

import warnings

import dagster as dg
import duckdb

from mammoth_assets.core import safe_paths
from mammoth_assets.core.decisions import (
    STAGES,
    Reconciliation,
    Stage,
    decision_counts_sql,
    reconciliation_sql,
)
from mammoth_assets.defs.partitions import (
    cc_dump_partitions,
    cc_dump_shard_partitions,
    instruction_set_partitions,
)
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.warehouse import Warehouse

# Partitioned asset checks are a Dagster preview feature; they make each check read the partition of
# the run it belongs to (per shard, per dump), so the warning is expected.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")

PARTITIONS = {
    "shard": cc_dump_shard_partitions,
    "dump": cc_dump_partitions,
    "instruction_set": instruction_set_partitions,
    "none": None,
}


def reconcile(wh: Warehouse, stage: Stage, partition: str | None) -> Reconciliation:
    """What the warehouse holds for one partition of `stage` (raises when a table is missing)."""
    inputs, decisions = wh.sql(stage.inputs_sql), wh.sql(stage.decisions_sql)
    params = stage.params(partition)
    totals = wh.query_text(reconciliation_sql(stage, inputs, decisions), params).row(0, named=True)
    counts = wh.query_text(decision_counts_sql(decisions), params)
    return Reconciliation(
        partition=partition or "all",
        rows_in=int(totals["rows_in"]),
        rows_out=int(totals["rows_out"]),
        missing=int(totals["missing"]),
        unexpected=int(totals["unexpected"]),
        by_decision={str(d): int(n) for d, n in counts.iter_rows()},
    )


def by_decision_markdown(stage: Stage, found: Reconciliation) -> str:
    lines = ["| decision | rows | meaning |", "|---|---:|---|"]
    meanings = {"kept": "passed the stage", **stage.reasons}
    for decision, n in sorted(found.by_decision.items(), key=lambda kv: (-kv[1], kv[0])):
        meaning = meanings.get(decision, "**not in the vocabulary**")
        lines.append(f"| {decision} | {n} | {meaning.replace('|', '/')} |")
    return "\n".join(lines)


def reconciliation_result(wh: Warehouse, stage: Stage, partition: str | None) -> dg.AssetCheckResult:
    try:
        found = reconcile(wh, stage, partition)
    except duckdb.CatalogException as error:  # a table not materialized yet: fail, saying which
        return dg.AssetCheckResult(
            passed=False,
            description=f"{stage.name}: cannot reconcile {partition or 'all'}: {str(error).splitlines()[0][:300]}",
        )
    problems = found.problems(stage)
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(problems)
        if problems
        else f"{stage.name} {found.partition}: rows in {found.rows_in} = kept {found.kept} + dropped {found.dropped}",
        metadata={
            "partition": found.partition,
            "rows_in": found.rows_in,
            "rows_decided": found.rows_out,
            "kept": found.kept,
            "dropped": found.dropped,
            "missing": found.missing,
            "unexpected": found.unexpected,
            "by_decision": dg.MetadataValue.md(by_decision_markdown(stage, found)),
        },
    )


def _partition(context: dg.AssetCheckExecutionContext, stage: Stage) -> str | None:
    if stage.partitioning == "shard":
        return shard_of(context).key
    if stage.partitioning == "dump":
        return safe_paths.dump_id(context.partition_key)
    if stage.partitioning == "instruction_set":
        return context.partition_key
    return None


def reconciliation_check(stage: Stage) -> dg.AssetChecksDefinition:
    """The blocking reconciliation check of one registered stage."""
    reasons = ", ".join(stage.reasons)

    @dg.asset_check(
        asset=stage.asset,
        name=stage.check_name,
        blocking=True,
        partitions_def=PARTITIONS[stage.partitioning],
        description=f"Generated from the decision registry: {stage.description} Rows in "
        f"({stage.inputs_sql}.sql) = kept + dropped by reason ({stage.decisions_sql}.sql), key by "
        f"key ({', '.join(stage.keys)}); reasons: {reasons}.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return reconciliation_result(warehouse.get(), stage, _partition(context, stage))

    return _check


def reconciliation_checks(*assets: str) -> list[dg.AssetChecksDefinition]:
    """The generated checks of every registered stage of `assets` (all stages when none given)."""
    return [reconciliation_check(s) for s in STAGES.values() if not assets or s.asset in assets]

