"""Evaluation assets: generate (per checkpoint x benchmark), grade, score, compare.

`benchmark_generations` is the only asset that calls a model. `benchmark_grades` reads stored
generations, so regrading after a grader change re-runs no generation (and re-materialising
generations with nothing changed is answered from the LLM request cache).
"""


import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import evaluation, fewshot, grading
from mammoth_assets.core.benchmarks import BenchmarkError, default_root, load_benchmark
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.evaluate.models import evaluated_model
from mammoth_assets.defs.evaluate.partitions import evaluation_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.types import LLMResponse
from mammoth_assets.warehouse import Warehouse

GENERATION_SCHEMA = {
    "partition": pl.String, "checkpoint": pl.String, "benchmark": pl.String,
    "item_index": pl.Int64, "item_id": pl.String, "question": pl.String, "choices": pl.String,
    "reference": pl.String, "answer_kind": pl.String, "fewshot_source": pl.String,
    "mode": pl.String, "model": pl.String, "model_id": pl.String, "prompt_version": pl.String,
    "prompt_hash": pl.String, "cache_key": pl.String, "completion": pl.String,
    "finish_reason": pl.String, "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
    "cached": pl.Boolean, "error": pl.String, "pot_completion": pl.String, "program": pl.String,
    "program_status": pl.String, "program_output": pl.String, "program_error": pl.String,
    "generated_at": pl.Datetime("us"),
}
GRADE_SCHEMA = {
    "partition": pl.String, "checkpoint": pl.String, "benchmark": pl.String,
    "item_index": pl.Int64, "item_id": pl.String, "mode": pl.String, "reference": pl.String,
    "answer_kind": pl.String, "extracted": pl.String, "extraction_method": pl.String,
    "correct": pl.Boolean, "unparsable": pl.Boolean, "comparison_method": pl.String,
    "grade_error": pl.String, "generation_error": pl.String, "prompt_hash": pl.String,
    "grader_version": pl.String,
}
COMPARISON_SCHEMA = {
    "checkpoint": pl.String, "benchmark": pl.String, "n": pl.Int64, "accuracy_pct": pl.Float64,
    "unparsable": pl.Int64, "base_checkpoint": pl.String, "base_accuracy_pct": pl.Float64,
    "delta_vs_base_pct": pl.Float64, "paper_mammoth2_7b_pct": pl.Float64,
    "paper_mistral_7b_pct": pl.Float64, "delta_vs_paper_pct": pl.Float64,
}
GRADER_VERSION = "grading-v1"
SUBSET_BENCHMARKS = ("bbh", "mmlu_stem", "mmlu_math")  # item ids are "<task or subject>/<n>"  # bump when extraction/comparison changes: visible per grade row


with warnings.catch_warnings():  # beta in Dagster 1.13, and exactly the mapping needed here
    warnings.simplefilter("ignore", dg.BetaWarning)
    # Each checkpoint x benchmark partition reads the model of its checkpoint.
    CHECKPOINT_DIMENSION = dg.MultiToSingleDimensionPartitionMapping("checkpoint")


class GenerationConfig(dg.Config):
    """Few-shot CoT generation. Defaults from the MAmmoTH2 paper: greedy, up to 2048 new tokens,
    the paper's shot counts (`shots` overrides them), programs run with a 5 s timeout."""

    limit: Optional[int] = None  # evaluate the first N items (None = the whole benchmark)
    limit_per_benchmark: dict[str, int] = {}  # per-benchmark item limits (win over `limit`)
    max_tokens: int = 2048
    max_tokens_per_benchmark: dict[str, int] = {}
    shots: Optional[int] = None  # None = the paper's count for the benchmark
    hybrid: bool = False  # MAmmoTH hybrid decoding: program first, CoT when it fails
    program_timeout_s: float = 5.0
    program_workers: int = 2
    program_isolation: str = "auto"  # sandbox isolation; auto refuses as root without bwrap
    benchmark_root: str = ""  # "" = ../shared/data/benchmarks when present, else the HF hub
    exemplar_file: str = ""  # JSONL exemplars to use instead of the published/derived ones
    use_chat_template: bool = False  # send the prompt as one user message (chat models)
    fewshot_seed: int = 0
    sample_rows: int = 5


class GradingConfig(dg.Config):
    math_timeout_s: float = 5.0  # per comparison (math-verify runs in a worker with this limit)
    workers: int = 2  # parallel comparisons (each LaTeX one in its own math-verify process)
    sample_rows: int = 5


class ScoresConfig(dg.Config):
    # Ceiling of the unparsable-answer rate checked by `benchmark_scores_unparsable_rate`. A
    # trained model states its answer almost always; the demo's random tiny model never does.
    unparsable_ceiling: float = 0.10


class ComparisonConfig(dg.Config):
    base_checkpoint: str = "mistralai/Mistral-7B-v0.1"  # the checkpoint key of the base model


def _partition(context: dg.AssetExecutionContext) -> tuple[str, str, str]:
    key = context.partition_key
    dims = key.keys_by_dimension
    return str(key), dims["checkpoint"], dims["benchmark"]


def evaluated_model_row(warehouse: Warehouse, checkpoint: str) -> dict[str, Any]:
    """What `evaluated_model` resolved for this checkpoint key (model to load, provenance)."""
    rows = (warehouse.query("evaluate_model_of_checkpoint", {"checkpoint": checkpoint})
            if warehouse.table_exists("evaluated_models") else None)
    if rows is None or rows.height == 0:
        raise dg.Failure(
            description=f"checkpoint {checkpoint!r} is not resolved: materialize evaluated_model "
            f"for partition {checkpoint!r} first",
            metadata={"checkpoint": checkpoint},
        )
    return rows.row(0, named=True)


def _items_and_context(benchmark: str, config: GenerationConfig):
    root = Path(config.benchmark_root) if config.benchmark_root else default_root()
    items = load_benchmark(benchmark, root)
    context = fewshot.build_context(
        benchmark, items, root=root, shots=config.shots,
        exemplar_file=Path(config.exemplar_file) if config.exemplar_file else None,
        seed=config.fewshot_seed,
    )
    limit = config.limit_per_benchmark.get(benchmark, config.limit)
    return fewshot.evaluation_items(items, context, limit), context


def _run_programs(programs: Sequence[str], config: GenerationConfig) -> list[dict[str, Any]]:
    """Execute PoT programs in the project sandbox (isolated, `program_timeout_s` wall clock).
    A program's answer is its last printed line (or its `ans`/`answer`/`result` variable)."""
    from mammoth_assets.core import sandbox

    limits = sandbox.SandboxLimits(timeout_s=config.program_timeout_s, isolation=config.program_isolation)
    try:
        results = sandbox.run_programs(list(programs), workers=config.program_workers, limits=limits)
    except (sandbox.SandboxUnavailable, ValueError) as error:
        raise dg.Failure(description=f"the sandbox will not run PoT programs here: {error}") from error
    return [
        {"status": result.status, "ok": result.status == "ok", "stdout": result.answer,
         "error": result.reason}
        for result in results
    ]


def _generation_row(partition: str, checkpoint: str, benchmark: str, model: str,
                    prompted: evaluation.PromptedItem, response: LLMResponse, mode: str,
                    fewshot_source: str, pot: dict[str, Any] | None) -> dict[str, Any]:
    item = prompted.item
    return {
        "partition": partition,
        "checkpoint": checkpoint,
        "benchmark": benchmark,
        "item_index": prompted.index,
        "item_id": item.item_id,
        "question": item.question,
        "choices": json.dumps(item.choices) if item.choices else None,
        "reference": item.reference,
        "answer_kind": item.answer_kind,
        "fewshot_source": fewshot_source,
        "mode": mode,
        "model": model,
        "model_id": response.model_id,
        "prompt_version": prompted.request.prompt_version,
        "prompt_hash": prompted.prompt_hash,
        "cache_key": response.cache_key,
        "completion": response.text if response.ok else None,
        "finish_reason": response.finish_reason,
        "prompt_tokens": response.prompt_tokens,
        "completion_tokens": response.completion_tokens,
        "cached": response.cached,
        "error": response.error,
        "pot_completion": (pot or {}).get("completion"),
        "program": (pot or {}).get("program"),
        "program_status": (pot or {}).get("status"),
        "program_output": (pot or {}).get("stdout"),
        "program_error": (pot or {}).get("error"),
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }


def markdown_sample(frame: pl.DataFrame, columns: Sequence[str], rows: int) -> str:
    sample = frame.select([c for c in columns if c in frame.columns]).head(rows)

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = text.replace("|", "\\|").replace("\n", " ⏎ ")
        return text if len(text) <= 120 else text[:117] + "..."

    lines = ["| " + " | ".join(sample.columns) + " |", "|" + "---|" * len(sample.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in sample.iter_rows()]
    return "\n".join(lines)


@dg.asset(
    partitions_def=evaluation_partitions,
    deps=[dg.AssetDep(evaluated_model, partition_mapping=CHECKPOINT_DIMENSION)],
    group_name="evaluate",
    pool=LLM_POOL,
    code_version=prompt_code_version("evaluate_cot", "evaluate_published", "evaluate_pot"),
    kinds={"duckdb", "python"},
    description="Few-shot CoT (optionally hybrid PoT) generations per benchmark item, greedy, "
    "through the LLM request cache; one row per item, failures kept with their error.",
)
def benchmark_generations(
    context: dg.AssetExecutionContext,
    config: GenerationConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    partition, checkpoint, benchmark = _partition(context)
    store = warehouse.get()
    resolved = evaluated_model_row(store, checkpoint)
    model, model_source = resolved["model"], resolved["source"]
    provenance = {k: resolved[k] for k in ("base_model", "training_set_hash", "fingerprint")
                  if resolved.get(k)}
    try:
        items, fewshot_context = _items_and_context(benchmark, config)
    except BenchmarkError as error:
        raise dg.Failure(
            description=f"cannot load benchmark {benchmark!r}: {error}",
            metadata={"benchmark_root": config.benchmark_root or str(default_root())},
        ) from error
    max_tokens = config.max_tokens_per_benchmark.get(benchmark, config.max_tokens)
    engine = llm.with_model(model)
    context.log.info(f"{partition}: {len(items)} items, model {model} ({model_source}), "
                     f"exemplars: {fewshot_context.source}")

    pot_results: dict[int, dict[str, Any]] = {}
    final: dict[int, tuple[evaluation.PromptedItem, LLMResponse, str]] = {}
    responses_all: list[LLMResponse] = []
    if config.hybrid:
        prompted = evaluation.pot_requests(items, max_tokens=max_tokens,
                                           use_chat=config.use_chat_template, partition=partition)
        responses = engine.generate([p.request for p in prompted],
                                    stage="benchmark_generations_pot", log=context.log)
        responses_all += responses
        programs = [evaluation.extract_program(r.text if r.ok else None) for r in responses]
        runnable = [i for i, program in enumerate(programs) if program]
        executed = _run_programs([programs[i] for i in runnable], config) if runnable else []
        for index, result in zip(runnable, executed):
            pot_results[index] = {**result, "program": programs[index]}
        for index, (p, response) in enumerate(zip(prompted, responses)):
            result = pot_results.setdefault(index, {"status": "no_program", "ok": False,
                                                    "stdout": None, "error": response.error,
                                                    "program": None})
            result["completion"] = response.text
            answer = grading.program_answer_text(result["stdout"]) if result["ok"] else None
            if answer is not None:
                final[index] = (p, response, "pot")
    fallback = [item for index, item in enumerate(items) if index not in final]
    cot_prompted = evaluation.cot_requests(fallback, fewshot_context, max_tokens=max_tokens,
                                           use_chat=config.use_chat_template, partition=partition)
    index_of = {item.item_id: index for index, item in enumerate(items)}
    if cot_prompted:
        responses = engine.generate([p.request for p in cot_prompted],
                                    stage="benchmark_generations", log=context.log)
        responses_all += responses
        for p, response in zip(cot_prompted, responses):
            index = index_of[p.item.item_id]
            final[index] = (evaluation.PromptedItem(p.item, index, p.request, p.prompt_text),
                            response, "cot")

    rows = [
        _generation_row(partition, checkpoint, benchmark, model, *final[index][:2],
                        final[index][2], fewshot_context.source, pot_results.get(index))
        for index in range(len(items))
    ]
    frame = pl.DataFrame(rows, schema=GENERATION_SCHEMA)
    written = store.replace_partition("benchmark_generations", "partition", partition, frame)
    failed = frame.filter(pl.col("completion").is_null()).height if rows else 0
    metadata: dict[str, Any] = {
        "checkpoint": checkpoint,
        "benchmark": benchmark,
        "model": model,
        "model_source": model_source,
        **{f"checkpoint_{k}": str(v) for k, v in provenance.items()},
        "items": written,
        "generation_failures": failed,
        "fewshot_source": fewshot_context.source,
        "shots": fewshot_context.shots,
        "held_out_exemplar_ids": dg.MetadataValue.json(sorted(fewshot_context.held_out_ids)),
        "max_tokens": max_tokens,
        "hybrid": config.hybrid,
        "sample": dg.MetadataValue.md(markdown_sample(
            frame, ["item_id", "mode", "reference", "completion"], config.sample_rows)) if rows else "",
        **engine.usage_metadata(responses_all),
    }
    if config.hybrid:
        metadata["pot_answered"] = sum(1 for _, _, mode in final.values() if mode == "pot")
        metadata["cot_fallbacks"] = len(cot_prompted)
    return dg.MaterializeResult(metadata=metadata)


def _grade(row: dict[str, Any], timeout_s: float) -> grading.Grade:
    choices = json.loads(row["choices"]) if row["choices"] else None
    if row["mode"] == "pot":
        return grading.grade_program_output(
            row["program_output"], row["reference"], answer_kind=row["answer_kind"],
            choices=choices, timeout_s=timeout_s)
    return grading.grade_completion(
        row["completion"], row["reference"], answer_kind=row["answer_kind"], choices=choices,
        timeout_s=timeout_s)


def grade_rows(generations: pl.DataFrame, config: GradingConfig) -> list[dict[str, Any]]:
    """Grade stored generations; LaTeX comparisons run in `workers` math-verify processes."""
    from concurrent.futures import ThreadPoolExecutor

    source = list(generations.iter_rows(named=True))
    with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
        grades = list(pool.map(lambda row: _grade(row, config.math_timeout_s), source))
    rows = []
    for row, grade in zip(source, grades):
        rows.append({
            "partition": row["partition"],
            "checkpoint": row["checkpoint"],
            "benchmark": row["benchmark"],
            "item_index": row["item_index"],
            "item_id": row["item_id"],
            "mode": row["mode"],
            "reference": row["reference"],
            "answer_kind": row["answer_kind"],
            "extracted": grade.extracted,
            "extraction_method": grade.extraction_method,
            "correct": grade.correct,
            "unparsable": grade.unparsable,
            "comparison_method": grade.comparison_method,
            "grade_error": grade.error,
            "generation_error": row["error"],
            "prompt_hash": row["prompt_hash"],
            "grader_version": GRADER_VERSION,
        })
    return rows


@dg.asset(
    partitions_def=evaluation_partitions,
    deps=[benchmark_generations],
    group_name="evaluate",
    code_version=GRADER_VERSION,
    kinds={"duckdb", "python"},
    description="Per-item grades from stored generations: extracted answer, correct, unparsable "
    "(counted as wrong, never defaulted). Regrading re-runs no generation.",
)
def benchmark_grades(
    context: dg.AssetExecutionContext, config: GradingConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    partition, checkpoint, benchmark = _partition(context)
    store = warehouse.get()
    generations = store.query("evaluate_generations_of_partition", {"partition": partition})
    if generations.height == 0:
        raise dg.Failure(f"no stored generations for {partition}: materialize benchmark_generations")
    frame = pl.DataFrame(grade_rows(generations, config), schema=GRADE_SCHEMA)
    written = store.replace_partition("benchmark_grades", "partition", partition, frame)
    methods = frame.group_by("extraction_method").len().sort("len", descending=True)
    return dg.MaterializeResult(metadata={
        "graded": written,
        "generations": generations.height,
        "correct": int(frame["correct"].sum()),
        "unparsable": int(frame["unparsable"].sum()),
        "extraction_methods": dg.MetadataValue.json(dict(methods.iter_rows())),
        "grader_version": GRADER_VERSION,
        "sample": dg.MetadataValue.md(markdown_sample(
            frame, ["item_id", "mode", "reference", "extracted", "correct", "unparsable"],
            config.sample_rows)),
    })


@dg.asset(
    partitions_def=evaluation_partitions,
    deps=[benchmark_grades],
    group_name="evaluate",
    kinds={"duckdb"},
    description="Accuracy, n and unparsable count per checkpoint x benchmark.",
)
def benchmark_scores(
    context: dg.AssetExecutionContext, config: ScoresConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    partition, checkpoint, benchmark = _partition(context)
    store = warehouse.get()
    counts = store.query("evaluate_score_of_partition", {"partition": partition}).row(0, named=True)
    n = counts["n"]
    if n == 0:
        raise dg.Failure(f"no grades for {partition}: materialize benchmark_grades")
    row = {
        "partition": partition,
        "checkpoint": checkpoint,
        "benchmark": benchmark,
        **counts,
        "accuracy": counts["correct"] / n,
        "unparsable_rate": counts["unparsable"] / n,
        "unparsable_ceiling": config.unparsable_ceiling,
        "grader_version": GRADER_VERSION,
        "scored_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }
    store.replace_partition("benchmark_scores", "partition", partition,
                            pl.DataFrame([row], schema_overrides={"scored_at": pl.Datetime("us")}))
    extra: dict[str, Any] = {}
    if benchmark in SUBSET_BENCHMARKS:  # BBH tasks, MMLU subjects
        subsets = store.query("evaluate_score_by_subset", {"partition": partition})
        extra["accuracy_by_subset"] = dg.MetadataValue.md(
            markdown_sample(subsets, subsets.columns, subsets.height))
    return dg.MaterializeResult(metadata={
        **extra,
        "n": n,
        "correct": counts["correct"],
        "accuracy": round(row["accuracy"], 4),
        "unparsable": counts["unparsable"],
        "unparsable_rate": round(row["unparsable_rate"], 4),
        "wrong_parsed": n - counts["correct"] - counts["unparsable"],
        "pot_used": counts["pot_used"],
        "generation_errors": counts["generation_errors"],
    })


@dg.asset(
    deps=[benchmark_scores],
    group_name="evaluate",
    kinds={"duckdb", "python"},
    description="Every checkpoint's scores beside the base model's and the MAmmoTH2 paper's "
    "published MAmmoTH2-7B / Mistral-7B numbers; markdown table and bar chart.",
)
def benchmark_comparison(
    context: dg.AssetExecutionContext, config: ComparisonConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    store = warehouse.get()
    if not store.table_exists("benchmark_scores"):
        raise dg.Failure("no benchmark_scores yet: materialize some evaluation partitions first")
    scores = store.query("evaluate_all_scores").to_dicts()
    reference = evaluation.load_reference_scores()
    rows = evaluation.comparison_rows(scores, base_checkpoint=config.base_checkpoint,
                                      reference=reference)
    frame = pl.DataFrame(rows, schema=COMPARISON_SCHEMA)
    store.replace_table("benchmark_comparison", frame)
    chart = evaluation.plot_comparison(rows, reference,
                                       paths.artifacts_dir("evaluate") / "benchmark_comparison.png")
    return dg.MaterializeResult(metadata={
        "rows": len(rows),
        "checkpoints": dg.MetadataValue.json(sorted({r["checkpoint"] for r in rows})),
        "base_checkpoint": config.base_checkpoint,
        "table": dg.MetadataValue.md(evaluation.comparison_markdown(rows)),
        "chart": embedded_png(chart, "benchmark comparison"),
        "chart_path": dg.MetadataValue.path(str(chart)),
        "paper_source": reference["source"],
    })
