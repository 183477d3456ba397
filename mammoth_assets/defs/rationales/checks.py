"""Checks of the rationales assets. Each is declared on its asset (`check_specs`) and evaluated
when the asset materializes, for that partition, with the asset's own counts and config: nothing
is read back from Dagster's event log. verified_rationales' rows in = kept + dropped is the
generated `verified_rationales_reconciled` (`core/decisions/registry.py`)."""


import dagster as dg

from mammoth_assets.warehouse import Warehouse

POT_ACCOUNTED = "pot_programs_accounted"
MIN_VERIFIED_RATE = "verified_rationales_min_verified_rate"
ONLY_VERIFIED = "hybrid_rationales_only_verified_programs"

POT_PROGRAMS_CHECKS = [dg.AssetCheckSpec(POT_ACCOUNTED, asset="pot_programs", blocking=True, description=(
    "Every example read is accounted for: prompted (k sample rows) or skipped (one row with the "
    "reason); every row that is not a program says why; program ids are unique."
))]
VERIFIED_RATIONALES_CHECKS = [
    dg.AssetCheckSpec(MIN_VERIFIED_RATE, asset="verified_rationales", blocking=False, description=(
        "Verified / executed programs is at least the asset's `min_verified_rate` (default 0.05): "
        "nothing verifying means a broken model, prompt, sandbox or answer comparison."
    )),
]
HYBRID_RATIONALES_CHECKS = [dg.AssetCheckSpec(ONLY_VERIFIED, asset="hybrid_rationales", blocking=True, description=(
    "Every PoT training row carries a program that was executed and verified, with the same text."
))]


def pot_programs_accounted(store: Warehouse, instruction_set: str, examples_in: int, k: int) -> dg.AssetCheckResult:
    counts = store.query("pot_programs_accounting", {"instruction_set": instruction_set}).row(0, named=True)
    expected_rows = counts["skipped_examples"] + counts["prompted_examples"] * k
    passed = (
        counts["examples"] == examples_in
        and counts["skipped_examples"] + counts["prompted_examples"] == counts["examples"]
        and counts["rows"] == expected_rows
        and counts["unexplained"] == 0
        and counts["generated_without_program"] == 0
        and counts["duplicate_program_ids"] == 0
    )
    return dg.AssetCheckResult(
        check_name=POT_ACCOUNTED, passed=bool(passed),
        metadata={"instruction_set": instruction_set, "examples_in": examples_in,
                  "expected_rows": expected_rows, **{key: int(v) for key, v in counts.items()}},
    )


def min_verified_rate(instruction_set: str, verified: int, executed: int, floor: float) -> dg.AssetCheckResult:
    rate = verified / executed if executed else 0.0
    return dg.AssetCheckResult(
        check_name=MIN_VERIFIED_RATE,
        passed=rate >= floor and (executed > 0 or floor == 0),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"instruction_set": instruction_set, "verified_rate": round(rate, 4),
                  "min_verified_rate": floor, "executed": executed},
    )


def hybrid_only_verified_programs(store: Warehouse, instruction_set: str, pot_rows: int) -> dg.AssetCheckResult:
    unverified = int(store.scalar("hybrid_rationales_unverified_programs", {"instruction_set": instruction_set}))
    return dg.AssetCheckResult(
        check_name=ONLY_VERIFIED, passed=unverified == 0,
        metadata={"instruction_set": instruction_set, "unverified_pot_rows": unverified, "pot_rows": pot_rows},
    )
