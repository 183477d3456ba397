"""Declared instruction sets become `instruction_set` partitions."""

from __future__ import annotations

import dagster as dg

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.defs.partitions import instruction_set_partitions


def declared_training_sets() -> list[str]:
    """Names of declared sets that are rated (kind: train); test sets feed the judge instead."""
    return sorted(name for name, d in sets.all_declarations().items() if d.kind == "train")


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds an instruction_set partition for every declared training set "
    "(instruction_sets.yaml in the repo and `mammoth add-instruction-set`).",
)
def instruction_set_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    try:
        declared = declared_training_sets()
    except sets.InstructionSetError as error:
        return dg.SkipReason(f"instruction set declarations unreadable: {error}")
    existing = set(context.instance.get_dynamic_partitions(instruction_set_partitions.name))
    missing = [name for name in declared if name not in existing]
    if not missing:
        return dg.SkipReason(f"all {len(declared)} declared instruction sets are partitions")
    return dg.SensorResult(
        dynamic_partitions_requests=[instruction_set_partitions.build_add_request(missing)]
    )
