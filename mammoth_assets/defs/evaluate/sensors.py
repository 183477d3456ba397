"""From a trained checkpoint to its scores: when a training recipe's checkpoint lands, resolve it
as an `evaluated_model`; when an evaluated model lands, evaluate it on every locally available
benchmark. Run keys carry the triggering event, so a retrained checkpoint is evaluated again."""

import dagster as dg

from mammoth_assets.core.benchmarks import available_benchmarks
from mammoth_assets.defs.evaluate.jobs import evaluated_model_job, evaluation_job
from mammoth_assets.defs.evaluate.partitions import checkpoint_partitions, evaluation_key


def event_id(event: dg.EventLogEntry) -> str:
    """The materialization's run (or, for a runless event, its timestamp)."""
    return event.run_id or f"{event.timestamp:.6f}"


def evaluation_requests(checkpoint: str, benchmarks: list[str], event_id: int | str) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(run_key=f"{checkpoint}:{benchmark}:{event_id}",
                      partition_key=evaluation_key(checkpoint, benchmark))
        for benchmark in benchmarks
    ]


@dg.asset_sensor(
    asset_key=dg.AssetKey("sft_checkpoint"),
    job=evaluated_model_job,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="A new sft_checkpoint partition (training recipe) becomes a `checkpoint` key and "
    "its evaluated_model is materialized.",
)
def evaluate_new_checkpoints(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    materialization = asset_event.asset_materialization
    recipe = materialization.partition if materialization else None
    if not recipe:
        return dg.SkipReason("sft_checkpoint materialization without a recipe partition")
    known = set(context.instance.get_dynamic_partitions(checkpoint_partitions.name))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{recipe}:{event_id(asset_event)}", partition_key=recipe)],
        dynamic_partitions_requests=[] if recipe in known else [
            checkpoint_partitions.build_add_request([recipe])],
    )


@dg.asset_sensor(
    asset_key=dg.AssetKey("evaluated_model"),
    job=evaluation_job,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="A newly resolved evaluated_model is evaluated on every benchmark found locally "
    "(or on the hub).",
)
def evaluate_resolved_models(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    materialization = asset_event.asset_materialization
    checkpoint = materialization.partition if materialization else None
    if not checkpoint:
        return dg.SkipReason("evaluated_model materialization without a checkpoint partition")
    return dg.SensorResult(
        run_requests=evaluation_requests(checkpoint, available_benchmarks(), event_id(asset_event)))
