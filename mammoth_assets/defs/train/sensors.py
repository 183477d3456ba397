"""Recipe registration: every `training_recipes/*.yaml` becomes a `training_recipe` partition.

A sensor is the cleanest fit: dropping a new recipe file into the directory makes its partition
appear in the UI within one tick, with no code reload and no manual step; invalid recipe files are
reported in the tick's log and skipped. `mammoth train register` does the same from a shell.
"""


import dagster as dg

from mammoth_assets.core.sft.recipe import valid_recipe_names
from mammoth_assets.defs.partitions import training_recipe_partitions


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a training_recipe partition for every valid training_recipes/*.yaml.")
def training_recipe_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    names, errors = valid_recipe_names()
    for name, error in errors.items():
        context.log.warning(f"skipping invalid recipe {name}: {error}")
    known = set(context.instance.get_dynamic_partitions(training_recipe_partitions.name))
    new = [n for n in names if n not in known]
    if not new:
        return dg.SkipReason(f"{len(names)} recipes, all registered")
    return dg.SensorResult(dynamic_partitions_requests=[training_recipe_partitions.build_add_request(new)])
