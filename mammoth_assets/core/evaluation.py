"""Evaluation logic between the loaders and the assets (no Dagster): prompts for one benchmark,
PoT program handling for hybrid decoding, generation rows, checkpoint resolution and the
comparison against the base model and the paper's published numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from mammoth_assets.core.benchmarks import BENCHMARKS, BenchmarkItem
from mammoth_assets.core.benchmarks.registry import (
    PAPER_BASE_MODEL,
    PAPER_MODELS,
    PAPER_SOURCE,
    PAPER_TRAINED_MODEL,
)
from mammoth_assets.core.fewshot import COT_STOP, PUBLISHED_STOP, FewShotContext, cot_variables, pot_variables

POT_STOP = ("```", "\nQuestion:")
TINY_CHECKPOINT = "tiny"  # checkpoint key naming the project's own tiny model


@dataclass(frozen=True)
class PlannedPrompt:
    """One item's prompt as plain data: which versioned template, with which variables, and where
    generation stops. The LLM layer renders it (`steps/evaluation_requests.py`)."""

    item: BenchmarkItem
    index: int  # position in the evaluated list
    request_id: str
    template: str  # a template in llm/prompts/
    variables: dict[str, Any]
    stop: tuple[str, ...]


def cot_prompts(items: Sequence[BenchmarkItem], context: FewShotContext, *,
                partition: str = "") -> list[PlannedPrompt]:
    """Greedy few-shot CoT prompts, one per item: a published prefix when the benchmark has one,
    else the context's exemplars."""
    planned = []
    for index, item in enumerate(items):
        variables = cot_variables(item, context)
        published = "prefix" in variables
        planned.append(PlannedPrompt(
            item, index, f"{partition}:{item.item_id}:cot",
            "evaluate_published" if published else "evaluate_cot", variables,
            tuple(PUBLISHED_STOP if published else COT_STOP),
        ))
    return planned


def pot_prompts(items: Sequence[BenchmarkItem], *, partition: str = "") -> list[PlannedPrompt]:
    """Program-of-thought prompts (hybrid decoding asks for a program first)."""
    return [
        PlannedPrompt(item, index, f"{partition}:{item.item_id}:pot", "evaluate_pot",
                      pot_variables(item), POT_STOP)
        for index, item in enumerate(items)
    ]


_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.DOTALL)


def extract_program(completion: str | None) -> str | None:
    """The Python program in a PoT completion (fenced or bare); None when there is no code."""
    if not completion or not completion.strip():
        return None
    fenced = _FENCE.search(completion)
    code = fenced.group(1) if fenced else completion
    code = code.strip("\n")
    return code if code.strip() else None


def checkpoint_model(key: str, recorded_dir: str | None, tiny_model_path: str | None) -> str:
    """What a checkpoint partition key evaluates: a trained recipe's recorded checkpoint dir, the
    tiny model ("tiny"), or the key itself as a local path or Hugging Face model id."""
    if recorded_dir:
        return recorded_dir
    if key == TINY_CHECKPOINT:
        if tiny_model_path is None:
            raise ValueError("checkpoint 'tiny' needs the tiny model path")
        return tiny_model_path
    return key


@dataclass(frozen=True)
class ResolvedCheckpoint:
    model: str  # what generation loads: a directory or a hub id
    source: str  # sft_checkpoint | tiny_model | local_path | hub_id
    provenance: dict[str, Any]  # the training row's base_model / training_set_hash


def resolve_checkpoint(key: str, recorded: dict[str, Any] | None,
                       tiny_model: Callable[[], "Path | str"] | None = None) -> ResolvedCheckpoint:
    """The model a checkpoint key names: the checkpoint a training recipe recorded (`recorded`,
    its `sft_checkpoint` row, or None), the tiny model (`tiny_model` builds it), a local directory,
    or else a Hugging Face id."""
    recorded_dir = str(recorded["checkpoint_path"]) if recorded and recorded.get("checkpoint_path") else None
    provenance = ({k: recorded[k] for k in ("base_model", "training_set_hash") if recorded.get(k)}
                  if recorded_dir else {})
    tiny = None
    if key == TINY_CHECKPOINT and not recorded_dir and tiny_model is not None:
        tiny = str(tiny_model())
    model = checkpoint_model(key, recorded_dir, tiny)
    source = "sft_checkpoint" if recorded_dir else ("tiny_model" if tiny else (
        "local_path" if Path(key).exists() else "hub_id"))
    return ResolvedCheckpoint(model, source, provenance)


def load_reference_scores() -> dict[str, Any]:
    """The paper's published scores, gathered from the benchmark registry: {source, unit,
    trained_model, base_model, models: {name: {hf_id, scores: {benchmark: %}}}}."""
    return {
        "source": PAPER_SOURCE,
        "unit": "accuracy (%)",
        "trained_model": PAPER_TRAINED_MODEL,
        "base_model": PAPER_BASE_MODEL,
        "models": {
            model: {
                "hf_id": hf_id,
                "scores": {name: spec.paper_scores[model] for name, spec in BENCHMARKS.items()
                           if model in spec.paper_scores},
            }
            for model, hf_id in PAPER_MODELS.items()
        },
    }


def comparison_rows(scores: Sequence[dict[str, Any]], *, base_checkpoint: str,
                    reference: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (checkpoint, benchmark): accuracy in %, the base checkpoint's accuracy on the
    same benchmark, and the paper's MAmmoTH2-7B and Mistral-7B numbers where published."""
    base = {row["benchmark"]: row for row in scores if row["checkpoint"] == base_checkpoint}
    trained = reference["models"][reference["trained_model"]]["scores"]
    paper_base = reference["models"][reference["base_model"]]["scores"]
    rows = []
    for row in sorted(scores, key=lambda r: (r["checkpoint"], r["benchmark"])):
        accuracy = 100.0 * row["accuracy"]
        base_row = base.get(row["benchmark"])
        base_accuracy = 100.0 * base_row["accuracy"] if base_row is not None else None
        paper = trained.get(row["benchmark"])
        rows.append({
            "checkpoint": row["checkpoint"],
            "benchmark": row["benchmark"],
            "n": int(row["n"]),
            "accuracy_pct": round(accuracy, 2),
            "unparsable": int(row["unparsable"]),
            "base_checkpoint": base_checkpoint,
            "base_accuracy_pct": None if base_accuracy is None else round(base_accuracy, 2),
            "delta_vs_base_pct": None if base_accuracy is None else round(accuracy - base_accuracy, 2),
            "paper_mammoth2_7b_pct": paper,
            "paper_mistral_7b_pct": paper_base.get(row["benchmark"]),
            "delta_vs_paper_pct": None if paper is None else round(accuracy - paper, 2),
        })
    return rows


def comparison_markdown(rows: Sequence[dict[str, Any]]) -> str:
    def fmt(value: Any) -> str:
        return "" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))

    header = ("| checkpoint | benchmark | n | accuracy % | unparsable | base % | Δ base | "
              "paper MAmmoTH2-7B % | paper Mistral-7B % | Δ paper |")
    lines = [header, "|" + "---|" * 10]
    for r in rows:
        lines.append(
            f"| {r['checkpoint']} | {r['benchmark']} | {r['n']} | {fmt(r['accuracy_pct'])} | "
            f"{r['unparsable']} | {fmt(r['base_accuracy_pct'])} | {fmt(r['delta_vs_base_pct'])} | "
            f"{fmt(r['paper_mammoth2_7b_pct'])} | {fmt(r['paper_mistral_7b_pct'])} | "
            f"{fmt(r['delta_vs_paper_pct'])} |"
        )
    return "\n".join(lines)


def plot_comparison(rows: Sequence[dict[str, Any]], reference: dict[str, Any], path: Path) -> Path:
    """Grouped bars per benchmark: each checkpoint, plus the paper's two published models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    benchmarks = sorted({r["benchmark"] for r in rows})
    checkpoints = sorted({r["checkpoint"] for r in rows})
    series: list[tuple[str, list[float]]] = []
    for checkpoint in checkpoints:
        by_benchmark = {r["benchmark"]: r["accuracy_pct"] for r in rows if r["checkpoint"] == checkpoint}
        series.append((checkpoint, [by_benchmark.get(b, 0.0) for b in benchmarks]))
    for model_key in (reference["trained_model"], reference["base_model"]):
        published = reference["models"][model_key]["scores"]
        if any(b in published for b in benchmarks):
            series.append((f"paper: {model_key}", [published.get(b, 0.0) for b in benchmarks]))
    width = 0.8 / max(len(series), 1)
    figure, axes = plt.subplots(figsize=(max(6, 1.2 * len(benchmarks) + 2), 4))
    for position, (label, values) in enumerate(series):
        offsets = [i + (position - (len(series) - 1) / 2) * width for i in range(len(benchmarks))]
        axes.bar(offsets, values, width=width, label=label)
    axes.set_xticks(range(len(benchmarks)))
    axes.set_xticklabels(benchmarks, rotation=30, ha="right")
    axes.set_ylabel("accuracy (%)")
    axes.set_ylim(0, 100)
    axes.set_title("Benchmark accuracy vs base model and published MAmmoTH2 numbers")
    axes.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
