"""`benchmark_generations`: few-shot CoT (optionally hybrid PoT first) generations per checkpoint x
benchmark, the only evaluation asset that calls a model. Failures are kept with their error;
re-materializing with nothing changed is answered from the LLM request cache."""

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import dagster as dg
import polars as pl

from mammoth_assets.core import evaluation, fewshot, hybrid_decoding
from mammoth_assets.core.benchmarks import BenchmarkError, default_root, load_benchmark
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.evaluate.common import markdown_sample, partition_parts
from mammoth_assets.defs.evaluate.models import evaluated_model
from mammoth_assets.defs.evaluate.partitions import evaluation_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.types import LLMResponse
from mammoth_assets.steps import evaluation_requests
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


def evaluated_model_row(warehouse: Warehouse, checkpoint: str) -> dict[str, Any]:
    """What `evaluated_model` resolved for this checkpoint key (model to load, provenance)."""
    rows = (warehouse.query("evaluated_models_of_checkpoint", {"checkpoint": checkpoint})
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
                    prompted: evaluation_requests.PromptedItem, response: LLMResponse, mode: str,
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
    partition, checkpoint, benchmark = partition_parts(context)
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
    final: dict[int, tuple[evaluation_requests.PromptedItem, LLMResponse, str]] = {}
    responses_all: list[LLMResponse] = []
    if config.hybrid:
        prompted = evaluation_requests.pot_requests(items, max_tokens=max_tokens,
                                           use_chat=config.use_chat_template, partition=partition)
        responses = engine.generate([p.request for p in prompted],
                                    stage="benchmark_generations", log=context.log)
        responses_all += responses
        programs = [evaluation.extract_program(r.text if r.ok else None) for r in responses]
        runnable = [i for i, program in enumerate(programs) if program]
        executed = _run_programs([programs[i] for i in runnable], config) if runnable else []
        pot_results = hybrid_decoding.pot_attempts(
            programs, [r.text for r in responses], [r.error for r in responses], dict(zip(runnable, executed)))
        for index in hybrid_decoding.answered_by_program(pot_results):
            final[index] = (prompted[index], responses[index], "pot")
    fallback = hybrid_decoding.cot_fallback(items, list(final))
    cot_prompted = evaluation_requests.cot_requests(fallback, fewshot_context, max_tokens=max_tokens,
                                           use_chat=config.use_chat_template, partition=partition)
    index_of = {item.item_id: index for index, item in enumerate(items)}
    if cot_prompted:
        responses = engine.generate([p.request for p in cot_prompted],
                                    stage="benchmark_generations", log=context.log)
        responses_all += responses
        for p, response in zip(cot_prompted, responses):
            index = index_of[p.item.item_id]
            final[index] = (evaluation_requests.PromptedItem(p.item, index, p.request, p.prompt_text),
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
