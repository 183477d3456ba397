"""`sft_checkpoint`: one fine-tuned checkpoint per training recipe (partition = recipe file stem).

The asset stays thin: it streams the recipe's training sets out of the warehouse into the run
directory (core.sft.run.prepare_run), starts the training process through Dagster Pipes (logs and
per-step losses stream back into the run's event log), then records what the process wrote: one
`sft_checkpoint` row (what evaluation reads), one `sft_training_examples` row per example or
rejected source row (kept/dropped and why), and metadata with the loss curve and tokens/s.
"""

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets.core.redaction import redact
from mammoth_assets.core.sft.metrics import plot_loss_curve, read_loss_log
from mammoth_assets.core.sft.recipe import (
    LaunchSpec,
    Recipe,
    RecipeError,
    load_recipe,
    recipe_path,
    recipes_dir,
)
from mammoth_assets.core.sft.records import checkpoint_row, examples_frame
from mammoth_assets.core.sft.run import PreparedRun, prepare_run, read_summary, training_command
from mammoth_assets.core.sft.training_data import read_examples
from mammoth_assets.defs.conventions import GPU_POOL
from mammoth_assets.defs.partitions import training_recipe_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.resources import WarehouseResource, artifact_metadata
from mammoth_assets.steps.training_sets import MissingTrainingTable, table_reader
from mammoth_assets.llm.tiny_model import ensure_tiny_model
from mammoth_assets.warehouse import Warehouse


class SFTCheckpointConfig(dg.Config):
    """Overrides on top of the recipe file (the recipe holds the paper hyperparameters)."""

    recipes_dir: str = ""  # empty: $MAMMOTH_TRAINING_RECIPES or <repo>/training_recipes
    max_steps: int = -1  # > 0: stop after this many optimizer steps (demo, CI)
    use_deepspeed: bool = True  # False: plain Trainer even when the recipe names a ZeRO stage
    launcher: str = ""  # python | torchrun | deepspeed; empty: the recipe's
    num_gpus: int = 0  # > 0: ranks per node for torchrun/deepspeed; 0: the recipe's
    min_examples: int = 1  # fewer trainable examples than this fails the run with a reason
    restart: bool = False  # discard this run's checkpoints; default resumes (or reuses a finished run)


def _load(config: SFTCheckpointConfig, key: str) -> Recipe:
    directory = Path(config.recipes_dir) if config.recipes_dir else recipes_dir()
    recipe = load_recipe(recipe_path(key, directory))
    overrides = {k: v for k, v in {"launcher": config.launcher, "num_gpus": config.num_gpus}.items() if v}
    try:
        launch = LaunchSpec.model_validate({**recipe.launch.model_dump(), **overrides})
    except ValueError as error:
        raise RecipeError(f"invalid launch override {overrides}: {error}") from error
    return recipe.model_copy(update={"launch": launch})


def _record_examples(warehouse: Warehouse, prepared: PreparedRun, key: str) -> pl.DataFrame:
    frame = examples_frame(prepared, key)
    warehouse.replace_partition("sft_training_examples", "recipe", key, frame)
    return frame


def _dropped_md(frame: pl.DataFrame) -> str:
    dropped = frame.filter(pl.col("status") == "dropped").group_by("reason").len().sort("len", descending=True)
    if dropped.is_empty():
        return "nothing dropped"
    lines = ["| reason | rows |", "|---|---:|"]
    lines += [f"| {r} | {n} |" for r, n in dropped.iter_rows()]
    return "\n".join(lines)


def _sample_md(data_path: Path, n: int = 5) -> str:
    lines = ["| id | source | prompt | response |", "|---|---|---|---|"]
    for i, example in enumerate(read_examples(data_path)):
        if i >= n:
            break
        user = next((m["content"] for m in example.messages if m["role"] == "user"), "")
        answer = next((m["content"] for m in example.messages if m["role"] == "assistant"), "")
        cell = lambda s: s[:80].replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines.append(f"| {example.id} | {example.source} | {cell(user)} | {cell(answer)} |")
    return "\n".join(lines)


def _thinned(points: list, most: int = 200) -> list:
    """At most `most` evenly spaced points (always the last), so metadata stays small."""
    if len(points) <= most:
        return points
    stride = -(-len(points) // most)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def _output_to(log: Path, command: list[str]) -> list[str]:
    """`command` with its stdout and stderr appended to `log`. Its progress reaches Dagster
    through Pipes (logs, per-step losses); the raw output (trainer prints, warnings of torch and
    DeepSpeed, a traceback) stays with the run instead of flooding the terminal of an in-process
    run. `exec` keeps the process id, so Dagster's termination still reaches the trainer."""
    return ["sh", "-c", 'exec "$@" >>"$0" 2>&1', str(log), *command]


def _failure(message: str, **metadata: Any) -> dg.Failure:
    """A failure whose text (training log tails, launcher errors) is redacted before it is stored."""
    return dg.Failure(description=redact(message), metadata=metadata, allow_retries=False)


@dg.asset(
    partitions_def=training_recipe_partitions,
    deps=[
        "webinstruct",
        dg.AssetDep("alpagasus_subset", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("random_subset", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("hybrid_rationales", partition_mapping=dg.AllPartitionMapping()),
    ],
    group_name="train",
    pool=GPU_POOL,
    kinds={"pytorch", "duckdb"},
    description="Fine-tuned checkpoint per training recipe (transformers Trainer, optional "
    "DeepSpeed ZeRO), trained in its own process launched through Dagster Pipes.",
)
def sft_checkpoint(
    context: dg.AssetExecutionContext, config: SFTCheckpointConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    key = context.partition_key
    store = warehouse.get()
    try:
        recipe = _load(config, key)
    except RecipeError as error:
        raise _failure(str(error)) from error
    try:
        prepared = prepare_run(
            recipe,
            table_reader(store),
            max_steps=config.max_steps,
            use_deepspeed=config.use_deepspeed,
            restart=config.restart,
            tiny_model=ensure_tiny_model,
        )
    except MissingTrainingTable as error:
        raise _failure(str(error), recipe=key) from error
    context.log.info(
        f"training set {prepared.training_set_hash[:12]}: {prepared.kept} examples, "
        f"{prepared.rejected} rejected rows; run dir {prepared.run_dir}"
    )
    if prepared.kept < config.min_examples:
        frame = _record_examples(store, prepared, key)
        raise _failure(
            f"recipe {key}: {prepared.kept} trainable examples, fewer than min_examples="
            f"{config.min_examples}; rows read per source {prepared.rows_in_by_source}",
            dropped_by_reason=dg.MetadataValue.md(_dropped_md(frame)),
        )

    command, env = training_command(prepared)
    context.log.info("training command: " + " ".join(command))
    process_log = prepared.run_dir / "process.log"
    try:
        invocation = dg.PipesSubprocessClient(forward_termination=True).run(
            context=context, command=_output_to(process_log, command), env=env
        )
    except dg.DagsterPipesExecutionError as error:
        frame = _record_examples(store, prepared, key)
        tail = process_log.read_text(errors="replace")[-1500:] if process_log.exists() else ""
        raise _failure(
            f"training process for {key} failed: {error}\n{tail}",
            run_dir=dg.MetadataValue.path(str(prepared.run_dir)),
            dropped_by_reason=dg.MetadataValue.md(_dropped_md(frame)),
        ) from error
    streamed = [m for m in invocation.get_custom_messages() if isinstance(m, dict)]

    summary = read_summary(prepared.run_dir)
    losses = read_loss_log(prepared.run_dir / "metrics.jsonl")
    frame = _record_examples(store, prepared, key)
    row = checkpoint_row(prepared, summary, losses)
    store.replace_partition("sft_checkpoint", "recipe", key, pl.DataFrame([row]))

    plot = plot_loss_curve(
        [e["step"] for e in losses], [e["loss"] for e in losses],
        prepared.run_dir / "loss_curve.png", f"{key}: training loss ({recipe.hyperparameters.loss} loss)",
    )  # fmt: skip
    kept = frame.filter(pl.col("status") == "kept").height
    metadata: dict[str, Any] = {
        "recipe": key,
        "base_model": recipe.base_model,
        "checkpoint_path": dg.MetadataValue.path(row["checkpoint_path"]),
        "training_set_hash": row["training_set_hash"],
        "rows_in": frame.height,
        "kept": kept,
        "dropped": frame.height - kept,
        "dropped_by_reason": dg.MetadataValue.md(_dropped_md(frame)),
        "steps": row["steps"],
        "resumed_from_step": row["resumed_from_step"],
        "reused_finished_run": bool(summary.get("reused_finished_run")),
        "first_loss": row["first_loss"],
        "final_loss": row["final_loss"],
        "tokens_per_s": row["tokens_per_s"],
        "train_runtime_s": row["train_runtime_s"],
        "effective_global_batch": row["effective_global_batch"],
        "deepspeed": f"ZeRO-{row['zero_stage']}" if row["deepspeed"] else "off",
        "device": row["device"],
        "streamed_step_messages": len(streamed),
        "process_log": dg.MetadataValue.path(str(process_log)),
        "loss_curve": embedded_png(plot, "loss curve"),
        "loss_curve_path": dg.MetadataValue.path(str(plot)),
        "loss_by_step": dg.MetadataValue.json(_thinned([[e["step"], round(e["loss"], 4)] for e in losses])),
        "sample": dg.MetadataValue.md(_sample_md(prepared.run_dir / "data.jsonl")),
        **artifact_metadata(prepared.run_dir / "model"),
    }
    if row["mfu"] is not None:
        metadata["mfu"] = row["mfu"]
    # The weights' hash is the data version: a run that reuses a finished checkpoint (same
    # weights) leaves everything downstream fresh; new weights make evaluation stale.
    return dg.MaterializeResult(metadata=metadata,
                                data_version=dg.DataVersion(metadata["artifact_sha256"][:32]))

