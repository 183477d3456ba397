"""The warehouse rows a training run produces: `sft_checkpoint` (one per recipe, what evaluation
reads) and `sft_training_examples` (every example or rejected source row, kept/dropped and why)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from mammoth_assets.core.sft.metrics import has_nan
from mammoth_assets.core.sft.run import PreparedRun

EXAMPLE_SCHEMA = {
    "recipe": pl.String, "run_id": pl.String, "id": pl.String, "source": pl.String,
    "repeat": pl.Int64, "status": pl.String, "reason": pl.String, "n_tokens": pl.Int64,
    "n_trained_tokens": pl.Int64, "truncated": pl.Boolean,
}  # fmt: skip


def examples_frame(prepared: PreparedRun, recipe: str) -> pl.DataFrame:
    """Every rejected source row (from the adapters) and every example the trainer saw."""
    run_id = prepared.run_dir.name
    frames = []
    rejects = prepared.run_dir / "rejects.jsonl"
    if rejects.exists() and rejects.stat().st_size:
        frame = pl.read_ndjson(rejects, schema={"id": pl.String, "source": pl.String, "reason": pl.String})
        frames.append(frame.with_columns(status=pl.lit("dropped"), repeat=pl.lit(0, dtype=pl.Int64)))
    tokenized = prepared.run_dir / "examples.parquet"
    if tokenized.exists():
        frames.append(pl.read_parquet(tokenized))
    if not frames:
        return pl.DataFrame(schema=EXAMPLE_SCHEMA)
    frame = pl.concat(frames, how="diagonal_relaxed").with_columns(
        recipe=pl.lit(recipe), run_id=pl.lit(run_id)
    )
    for column, dtype in EXAMPLE_SCHEMA.items():
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
    return frame.select([pl.col(c).cast(t) for c, t in EXAMPLE_SCHEMA.items()])


def checkpoint_row(prepared: PreparedRun, summary: dict[str, Any], losses: list[dict[str, Any]]) -> dict[str, Any]:
    recipe = prepared.recipe
    values = [e["loss"] for e in losses]
    return {
        "recipe": recipe.name,
        "run_id": prepared.run_dir.name,
        "checkpoint_path": str(prepared.run_dir / "model"),
        "run_dir": str(prepared.run_dir),
        "base_model": recipe.base_model,
        "training_set_hash": prepared.training_set_hash,
        "n_examples": prepared.kept,
        "n_trained_examples": summary["n_trained_examples"],
        "n_rejected_rows": prepared.rejected,
        "rows_in_by_source": json.dumps(prepared.rows_in_by_source, sort_keys=True),
        "steps": summary["global_step"],
        "first_loss": values[0] if values else None,
        "final_loss": values[-1] if values else None,
        "min_loss": min(values) if values else None,
        "loss_has_nan": has_nan(values),
        "train_loss": summary["train_loss"],
        "tokens_per_s": summary["tokens_per_s"],
        "mfu": summary["mfu"],
        "train_runtime_s": summary["train_runtime_s"],
        "resumed_from_step": summary["resumed_from_step"],
        "loss_type": recipe.hyperparameters.loss,
        "learning_rate": recipe.hyperparameters.learning_rate,
        "effective_global_batch": summary["effective_global_batch"],
        "precision": summary["precision"],
        "chat_template": summary["chat_template"],
        "deepspeed": summary["deepspeed"],
        "zero_stage": summary["zero_stage"],
        "world_size": summary["world_size"],
        "device": summary["device"],
        "created_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }
