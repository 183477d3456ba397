"""When a training recipe's checkpoint lands, evaluate it on every locally available benchmark."""

import dagster as dg

from mammoth_assets.core.benchmarks import available_benchmarks
from mammoth_assets.defs.evaluate.jobs import evaluation_job
from mammoth_assets.defs.evaluate.partitions import checkpoint_partitions, evaluation_key


def evaluation_requests(recipe: str, benchmarks: list[str]) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(run_key=f"{recipe}:{benchmark}", partition_key=evaluation_key(recipe, benchmark))
        for benchmark in benchmarks
    ]


@dg.asset_sensor(
    asset_key=dg.AssetKey("sft_checkpoint"),
    job=evaluation_job,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="A new sft_checkpoint partition (training recipe) becomes a `checkpoint` key and "
    "is evaluated on every benchmark found locally (or on the hub).",
)
def evaluate_new_checkpoints(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    materialization = asset_event.asset_materialization
    recipe = materialization.partition if materialization else None
    if not recipe:
        return dg.SkipReason("sft_checkpoint materialization without a recipe partition")
    known = set(context.instance.get_dynamic_partitions(checkpoint_partitions.name))
    return dg.SensorResult(
        run_requests=evaluation_requests(recipe, available_benchmarks()),
        dynamic_partitions_requests=[] if recipe in known else [
            checkpoint_partitions.build_add_request([recipe])],
    )
