"""Asset checks on `sft_checkpoint`, evaluated per recipe partition.

Thresholds come from each check's config (launchpad `ops.sft_checkpoint_<check>.config`); the
defaults are the paper-level expectations, and a random tiny model meets them too (its loss does
fall in a few steps at the sample recipe's learning rate)."""


import json
import warnings
from pathlib import Path

import dagster as dg
import polars as pl

from mammoth_assets.core.sft.metrics import has_nan, loss_trend, read_loss_log
from mammoth_assets.core.sft.verify import verify_in_subprocess
from mammoth_assets.defs.partitions import training_recipe_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.steps.checkpoints import recorded_checkpoint
from mammoth_assets.defs.train.assets import sft_checkpoint

# Partitioned asset checks are a Dagster preview feature; they are exactly what a per-recipe check
# needs, so the warning is acknowledged here once instead of on every import.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning)


class LossDecreasedConfig(dg.Config):
    window: int = 3  # mean of the first and of the last `window` logged losses
    min_relative_drop: float = 0.0  # required (first - last) / first; 0 = any decrease


class GeneratesConfig(dg.Config):
    timeout_s: float = 1800.0


def _row(warehouse: WarehouseResource, recipe: str) -> dict | None:
    return recorded_checkpoint(warehouse.get(), recipe)


def _missing(recipe: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, metadata={"reason": f"no sft_checkpoint row for {recipe}"})


def _losses(row: dict) -> list[dict]:
    return read_loss_log(Path(row["run_dir"]) / "metrics.jsonl")


@dg.asset_check(asset=sft_checkpoint, partitions_def=training_recipe_partitions, blocking=True,
                description="Training loss fell: mean of the last logged losses is below the first.")
def sft_loss_decreased(
    context: dg.AssetCheckExecutionContext, config: LossDecreasedConfig, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    row = _row(warehouse, context.partition_key)
    if row is None:
        return _missing(context.partition_key)
    losses = [e["loss"] for e in _losses(row)]
    if len(losses) < 2 or has_nan(losses):
        return dg.AssetCheckResult(passed=False, metadata={"logged_losses": len(losses),
                                                            "reason": "fewer than 2 finite losses"})
    trend = loss_trend(losses, config.window)
    return dg.AssetCheckResult(
        passed=trend.relative_drop > config.min_relative_drop,
        metadata={"first_window_mean": trend.first, "last_window_mean": trend.last,
                  "relative_drop": trend.relative_drop, "window": trend.window,
                  "min_relative_drop": config.min_relative_drop},
    )  # fmt: skip


@dg.asset_check(asset=sft_checkpoint, partitions_def=training_recipe_partitions, blocking=True,
                description="Every logged loss and the summary loss are finite (no NaN/inf).")
def sft_loss_finite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    row = _row(warehouse, context.partition_key)
    if row is None:
        return _missing(context.partition_key)
    entries = _losses(row)
    bad = [e["step"] for e in entries if has_nan([e["loss"]])]
    summary_bad = has_nan([row["train_loss"]])
    return dg.AssetCheckResult(
        passed=bool(entries) and not bad and not summary_bad,
        metadata={"logged_steps": len(entries), "non_finite_steps": json.dumps(bad[:20]),
                  "train_loss": row["train_loss"]},
    )  # fmt: skip


@dg.asset_check(asset=sft_checkpoint, partitions_def=training_recipe_partitions, blocking=True,
                description="The checkpoint reloads with AutoModelForCausalLM (fresh process) and generates.")
def sft_checkpoint_generates(
    context: dg.AssetCheckExecutionContext, config: GeneratesConfig, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    row = _row(warehouse, context.partition_key)
    if row is None:
        return _missing(context.partition_key)
    verdict = verify_in_subprocess(row["checkpoint_path"], timeout_s=config.timeout_s)
    return dg.AssetCheckResult(
        passed=bool(verdict.get("ok")),
        metadata={"new_tokens": verdict.get("new_tokens", 0), "error": str(verdict.get("error")),
                  "generated": dg.MetadataValue.text(verdict.get("text", "")[:500])},
    )  # fmt: skip


@dg.asset_check(asset=sft_checkpoint, partitions_def=training_recipe_partitions, blocking=True,
                description="Rows in = kept + dropped: every source row is a training example or "
                "recorded as dropped with a reason, and kept examples are what the trainer used.")
def sft_examples_accounted(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    recipe = context.partition_key
    row = _row(warehouse, recipe)
    if row is None:
        return _missing(recipe)
    counts = warehouse.get().query("train_example_accounting", {"recipe": recipe})
    rows_in = json.loads(row["rows_in_by_source"])
    accounted = {r["source"]: r["rows_accounted"] for r in counts.iter_rows(named=True)}
    kept = int(counts["kept"].sum()) if counts.height else 0
    dropped = int(counts["dropped"].sum()) if counts.height else 0
    mismatched = {s: (n, accounted.get(s, 0)) for s, n in rows_in.items() if accounted.get(s, 0) != n}
    passed = not mismatched and kept == row["n_trained_examples"]
    table = counts.with_columns(rows_in=pl.col("source").replace_strict(rows_in, default=None))
    return dg.AssetCheckResult(
        passed=passed,
        metadata={"kept": kept, "dropped": dropped, "trainer_examples": row["n_trained_examples"],
                  "mismatched_sources": json.dumps(mismatched),
                  "by_source": dg.MetadataValue.md(_markdown(table))},
    )  # fmt: skip


def _markdown(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns)
    body = "\n".join("| " + " | ".join(str(v) for v in r) + " |" for r in frame.iter_rows())
    return header + "\n" + body


SFT_CHECKS = [sft_loss_decreased, sft_loss_finite, sft_checkpoint_generates, sft_examples_accounted]
