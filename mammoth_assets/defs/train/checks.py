"""Checks of `sft_checkpoint`, declared on the asset (`check_specs`) and evaluated when a recipe's
checkpoint is recorded. Thresholds come from the asset's config (`SFTCheckpointConfig`); the
defaults are the paper-level expectations, and a random tiny model meets them too (its loss does
fall in a few steps at the sample recipe's learning rate)."""


import json
from pathlib import Path

import dagster as dg
import polars as pl

from mammoth_assets.core.sft.metrics import has_nan, loss_trend, read_loss_log
from mammoth_assets.core.sft.verify import verify_in_subprocess
from mammoth_assets.warehouse import Warehouse

LOSS_DECREASED = "sft_loss_decreased"
LOSS_FINITE = "sft_loss_finite"
GENERATES = "sft_checkpoint_generates"
EXAMPLES_ACCOUNTED = "sft_examples_accounted"

SFT_CHECK_SPECS = [
    dg.AssetCheckSpec(LOSS_DECREASED, asset="sft_checkpoint", blocking=True,
                      description="Training loss fell: the mean of the last logged losses is below the "
                      "first by more than the asset's min_relative_loss_drop."),
    dg.AssetCheckSpec(LOSS_FINITE, asset="sft_checkpoint", blocking=True,
                      description="Every logged loss and the summary loss are finite (no NaN/inf)."),
    dg.AssetCheckSpec(GENERATES, asset="sft_checkpoint", blocking=True,
                      description="The checkpoint reloads with AutoModelForCausalLM (fresh process) and generates."),
    dg.AssetCheckSpec(EXAMPLES_ACCOUNTED, asset="sft_checkpoint", blocking=True,
                      description="Rows in = kept + dropped: every source row is a training example or "
                      "recorded as dropped with a reason, and kept examples are what the trainer used."),
]


def _losses(row: dict) -> list[dict]:
    return read_loss_log(Path(row["run_dir"]) / "metrics.jsonl")


def loss_decreased(row: dict, window: int, min_relative_drop: float) -> dg.AssetCheckResult:
    losses = [e["loss"] for e in _losses(row)]
    if len(losses) < 2 or has_nan(losses):
        return dg.AssetCheckResult(check_name=LOSS_DECREASED, passed=False, metadata={
            "logged_losses": len(losses), "reason": "fewer than 2 finite losses"})
    trend = loss_trend(losses, window)
    return dg.AssetCheckResult(
        check_name=LOSS_DECREASED,
        passed=trend.relative_drop > min_relative_drop,
        metadata={"first_window_mean": trend.first, "last_window_mean": trend.last,
                  "relative_drop": trend.relative_drop, "window": trend.window,
                  "min_relative_drop": min_relative_drop},
    )  # fmt: skip


def loss_finite(row: dict) -> dg.AssetCheckResult:
    entries = _losses(row)
    bad = [e["step"] for e in entries if has_nan([e["loss"]])]
    summary_bad = has_nan([row["train_loss"]])
    return dg.AssetCheckResult(
        check_name=LOSS_FINITE,
        passed=bool(entries) and not bad and not summary_bad,
        metadata={"logged_steps": len(entries), "non_finite_steps": json.dumps(bad[:20]),
                  "train_loss": row["train_loss"]},
    )  # fmt: skip


def generates(row: dict, timeout_s: float) -> dg.AssetCheckResult:
    verdict = verify_in_subprocess(row["checkpoint_path"], timeout_s=timeout_s)
    return dg.AssetCheckResult(
        check_name=GENERATES,
        passed=bool(verdict.get("ok")),
        metadata={"new_tokens": verdict.get("new_tokens", 0), "error": str(verdict.get("error")),
                  "generated": dg.MetadataValue.text(verdict.get("text", "")[:500])},
    )  # fmt: skip


def examples_accounted(store: Warehouse, recipe: str, row: dict) -> dg.AssetCheckResult:
    counts = store.query("sft_training_examples_accounting", {"recipe": recipe})
    rows_in = json.loads(row["rows_in_by_source"])
    accounted = {r["source"]: r["rows_accounted"] for r in counts.iter_rows(named=True)}
    kept = int(counts["kept"].sum()) if counts.height else 0
    dropped = int(counts["dropped"].sum()) if counts.height else 0
    mismatched = {s: (n, accounted.get(s, 0)) for s, n in rows_in.items() if accounted.get(s, 0) != n}
    passed = not mismatched and kept == row["n_trained_examples"]
    table = counts.with_columns(rows_in=pl.col("source").replace_strict(rows_in, default=None))
    return dg.AssetCheckResult(
        check_name=EXAMPLES_ACCOUNTED,
        passed=passed,
        metadata={"kept": kept, "dropped": dropped, "trainer_examples": row["n_trained_examples"],
                  "mismatched_sources": json.dumps(mismatched),
                  "by_source": dg.MetadataValue.md(_markdown(table))},
    )  # fmt: skip


def _markdown(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns)
    body = "\n".join("| " + " | ".join(str(v) for v in r) + " |" for r in frame.iter_rows())
    return header + "\n" + body
