"""`quality_scores`: the AlpaGasus rater (0-5, one dimension, temperature 0) over one instruction set."""


from typing import Any, Literal

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import rating
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD, RATING_REGEX, score_histogram
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.quality.examples import instruction_examples
from mammoth_assets.defs.quality.plots import score_histogram_png
from mammoth_assets.defs.quality.tables import SCORE_SCHEMA, UsageTally, markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import SamplingParams
from mammoth_assets.warehouse import ParquetStager, Warehouse

PARSE_FAILURE_CHECK = "quality_scores_parse_failure_rate"


class RatingConfig(dg.Config):
    """AlpaGasus rater. Defaults from the paper: accuracy dimension, temperature 0, 0-5 scale."""

    dimension: Literal["accuracy", "helpfulness"] = "accuracy"
    rater_model: str = ""  # empty = the `llm` resource's model
    max_tokens: int = 128  # the score line plus a short explanation
    # Decode under RATING_REGEX (transformers, vLLM, vLLM-served openai). Turn off for an API that
    # cannot constrain decoding: flagged answers are not cached as answered and would be re-sent.
    constrain_output: bool = True
    limit: int = 0  # rate at most this many valid examples (0 = all), in source order
    batch_size: int = 256  # requests per `generate` call: progress, cache and resume granularity
    max_parse_failure_rate: float = 0.02  # ceiling of the blocking parse-failure check
    sample_rows: int = 5


def rating_request(template: Any, set_name: str, example: dict[str, Any], config: RatingConfig):
    return template.request(
        rating.request_id(set_name, example["example_id"]),
        sampling=SamplingParams(temperature=0.0, max_tokens=config.max_tokens),
        regex=RATING_REGEX if config.constrain_output else None,
        **rating.prompt_fields(example),
    )


def parse_failure_check(store: Warehouse, name: str, max_parse_failure_rate: float) -> dg.AssetCheckResult:
    counts = store.query("quality_scores_parse_failures", {"instruction_set": name}).row(0, named=True)
    gate = rating.ParseFailureGate(**{k: int(v or 0) for k, v in counts.items()}, ceiling=max_parse_failure_rate)
    return dg.AssetCheckResult(
        check_name=PARSE_FAILURE_CHECK,
        passed=gate.passed,
        metadata={"instruction_set": name, **{k: int(v or 0) for k, v in counts.items()},
                  "failure_rate": gate.failure_rate, "max_parse_failure_rate": max_parse_failure_rate},
    )


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[instruction_examples],
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version("quality_rate_accuracy", "quality_rate_helpfulness"),
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        PARSE_FAILURE_CHECK, asset="quality_scores", blocking=True,
        description="The set's share of ratings with no parseable score stays at or below the "
        "asset's max_parse_failure_rate; scores lie in 0-5; one row per example.",
    )],
    description="AlpaGasus ratings (0-5) of every valid example: score, raw rater text, parse "
    "status, rater model and prompt version. Cached per request, so a rerun only pays for "
    "what was never answered.",
)
def quality_scores(
    context: dg.AssetExecutionContext,
    config: RatingConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    name = context.partition_key
    store = warehouse.get()
    rater = llm.with_model(config.rater_model) if config.rater_model else llm
    rater_id = rater_model_id(rater)
    template = load_prompt(rating.prompt_name(config.dimension))
    stager = ParquetStager(store.staging_dir("quality_scores", name))
    usage = UsageTally()
    prompt_version = ""
    query = store.sql("instruction_examples_to_rate")
    params = {"instruction_set": name, "limit": config.limit}
    for batch in store.iter_batches(query, params, batch_rows=config.batch_size):
        examples = batch.to_dicts()
        requests = [rating_request(template, name, example, config) for example in examples]
        prompt_version = requests[0].prompt_version
        responses = rater.generate(requests, stage="quality_scores")
        rows = [
            rating.score_row(name, ex["example_id"], resp, rater_id, config.dimension, prompt_version)
            for ex, resp in zip(examples, responses)
        ]
        stager.write(pl.DataFrame(rows, schema=SCORE_SCHEMA))
        usage.add(rater.usage_metadata(responses))
        context.log.info(f"{name}: rated {stager.rows} examples")
    rated = store.replace_partition("quality_scores", "instruction_set", name, stager.files)
    stager.cleanup()

    summary = store.query("quality_scores_summary", {"instruction_set": name})
    failed = rating.unscored_count(summary)
    scores = store.query("quality_scores_of_set", {"instruction_set": name})["score"].to_list()
    histogram = score_histogram(scores)
    plot = score_histogram_png(
        histogram, PAPER_THRESHOLD, f"{name}: {config.dimension} ratings",
        paths.artifacts_dir("quality", name) / "quality_scores_histogram.png",
    )
    sample = store.query("quality_scores_sample", {"instruction_set": name, "rows": config.sample_rows})
    return dg.MaterializeResult(
        metadata={
            "instruction_set": name,
            "rows": rated,
            "parsed": rated - failed,
            "parse_failures": failed,
            "parse_failure_rate": failed / rated if rated else 0.0,
            "mean_score": sum(scores) / len(scores) if scores else None,
            "dimension": config.dimension,
            "rater_model": rater_id,
            "prompt_version": prompt_version,
            "by_parse_status": dg.MetadataValue.md(markdown_table(summary)),
            "score_histogram": dg.MetadataValue.json(histogram),
            "score_histogram_plot": embedded_png(plot, "score histogram"),
            "score_histogram_path": dg.MetadataValue.path(str(plot)),
            "sample": dg.MetadataValue.md(markdown_table(sample)),
            **usage.metadata(),
        },
        check_results=[parse_failure_check(store, name, config.max_parse_failure_rate)],
    )


def rater_model_id(llm: LLMResource) -> str:
    return llm.settings().model_id
