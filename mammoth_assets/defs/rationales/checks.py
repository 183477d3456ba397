"""Asset checks for the rationales domain. Dagster checks on partitioned assets are not themselves
partitioned: each check looks at the partition of the asset's latest materialization."""


from typing import Any

import dagster as dg

from mammoth_assets.defs.rationales.hybrid import hybrid_rationales
from mammoth_assets.defs.rationales.programs import pot_programs
from mammoth_assets.defs.rationales.verification import verified_rationales
from mammoth_assets.defs.resources import WarehouseResource


def _latest(context: dg.AssetCheckExecutionContext, asset: str) -> tuple[str | None, dict[str, Any]]:
    """(partition, metadata) of the materialization to check: the run's partition when the check
    runs partitioned, else the asset's latest materialization."""
    key = dg.AssetKey(asset)
    if context.has_partition_key:
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[context.partition_key]), limit=1
        ).records
        event = records[0].event_log_entry if records else None
    else:
        event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return None, {}
    materialization = event.asset_materialization
    metadata = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return materialization.partition, metadata


def _missing(asset: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description=f"{asset} has no materialization to check")


@dg.asset_check(asset=pot_programs, blocking=True, description=(
    "Every example read is accounted for: prompted (k sample rows) or skipped (one row with the "
    "reason); every row that is not a program says why; program ids are unique."
))
def pot_programs_accounted(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    partition, metadata = _latest(context, "pot_programs")
    if partition is None:
        return _missing("pot_programs")
    counts = warehouse.get().query("rationales_pot_accounting", {"instruction_set": partition}).row(0, named=True)
    k = int(metadata.get("samples_per_question", 1))
    expected_rows = counts["skipped_examples"] + counts["prompted_examples"] * k
    passed = (
        counts["examples"] == metadata.get("examples_in", -1)
        and counts["skipped_examples"] + counts["prompted_examples"] == counts["examples"]
        and counts["rows"] == expected_rows
        and counts["unexplained"] == 0
        and counts["generated_without_program"] == 0
        and counts["duplicate_program_ids"] == 0
    )
    return dg.AssetCheckResult(
        passed=passed,
        metadata={"instruction_set": partition, "examples_in": metadata.get("examples_in"),
                  "expected_rows": expected_rows, **{k2: int(v) for k2, v in counts.items()}},
    )


@dg.asset_check(asset=verified_rationales, blocking=True, description=(
    "rows in = verified + dropped: every pot_programs row judged exactly once; verified rows ran ok "
    "and matched; every dropped row has a reason."
))
def verified_rationales_accounted(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    partition, _ = _latest(context, "verified_rationales")
    if partition is None:
        return _missing("verified_rationales")
    counts = warehouse.get().query("rationales_verified_accounting", {"instruction_set": partition}).row(0, named=True)
    passed = (
        counts["rows"] == counts["programs_in"] == counts["distinct_programs"]
        and counts["verified"] + counts["dropped"] == counts["rows"]
        and counts["inconsistent_verified"] == 0
        and counts["unexplained"] == 0
        and counts["unknown_programs"] == 0
    )
    return dg.AssetCheckResult(passed=passed, metadata={"instruction_set": partition, **{k: int(v) for k, v in counts.items()}})


@dg.asset_check(asset=verified_rationales, blocking=False, description=(
    "Verified / executed programs is at least the configured floor (`min_verified_rate`, default "
    "0.05): nothing verifying means a broken model, prompt, sandbox or answer comparison."
))
def verified_rationales_min_verified_rate(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    partition, metadata = _latest(context, "verified_rationales")
    if partition is None:
        return _missing("verified_rationales")
    rate, floor = float(metadata.get("verified_rate", 0.0)), float(metadata.get("min_verified_rate", 0.0))
    executed = int(metadata.get("executed", 0))
    return dg.AssetCheckResult(
        passed=rate >= floor and (executed > 0 or floor == 0),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"instruction_set": partition, "verified_rate": rate, "min_verified_rate": floor, "executed": executed},
    )


@dg.asset_check(asset=hybrid_rationales, blocking=True, description=(
    "Every PoT training row carries a program that was executed and verified, with the same text."
))
def hybrid_rationales_only_verified_programs(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    partition, metadata = _latest(context, "hybrid_rationales")
    if partition is None:
        return _missing("hybrid_rationales")
    unverified = int(warehouse.get().scalar("rationales_hybrid_unverified_programs", {"instruction_set": partition}))
    return dg.AssetCheckResult(
        passed=unverified == 0,
        metadata={"instruction_set": partition, "unverified_pot_rows": unverified, "pot_rows": int(metadata.get("pot_rows", 0))},
    )


ASSET_CHECKS = [
    pot_programs_accounted,
    verified_rationales_accounted,
    verified_rationales_min_verified_rate,
    hybrid_rationales_only_verified_programs,
]
