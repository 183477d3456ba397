"""Declared instruction sets become `instruction_set` partitions."""

from __future__ import annotations

import dagster as dg

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.defs.partitions import instruction_set_partitions


def declared_training_sets(errors: list[str] | None = None) -> list[str]:
    """Names of declared sets that are rated (kind: train); test sets feed the judge instead.
    With `errors`, invalid declarations (unsafe names, bad fields) are reported there and skipped."""
    return sorted(name for name, d in sets.all_declarations(errors).items() if d.kind == "train")


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds an instruction_set partition for every declared training set "
    "(instruction_sets.yaml in the repo and `mammoth add-instruction-set`).",
)
def instruction_set_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    errors: list[str] = []
    try:
        declared = declared_training_sets(errors)
    except sets.InstructionSetError as error:
        return dg.SkipReason(f"instruction set declarations unreadable: {error}")
    for error in errors:
        context.log.warning(f"skipping invalid instruction set declaration: {error}")
    existing = set(context.instance.get_dynamic_partitions(instruction_set_partitions.name))
    missing = [name for name in declared if name not in existing]
    if not missing:
        return dg.SkipReason(f"all {len(declared)} declared instruction sets are partitions")
    return dg.SensorResult(
        dynamic_partitions_requests=[instruction_set_partitions.build_add_request(missing)]
    )
