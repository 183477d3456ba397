"""`quality_scores`: the AlpaGasus rater (0-5, one dimension, temperature 0) over one instruction set."""


from typing import Any, Literal

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD, RATING_REGEX, ParseStatus, parse_rating, score_histogram
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.quality.examples import instruction_examples
from mammoth_assets.defs.quality.plots import score_histogram_png
from mammoth_assets.defs.quality.tables import SCORE_SCHEMA, UsageTally, markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import LLMResponse, SamplingParams
from mammoth_assets.warehouse import ParquetStager

LLM_ERROR = "llm_error"


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
    max_parse_failure_rate: float = 0.02  # ceiling for the blocking parse-failure check
    sample_rows: int = 5


def rating_request(template: Any, set_name: str, example: dict[str, Any], config: RatingConfig):
    return template.request(
        f"{set_name}:{example['example_id']}:rate",
        sampling=SamplingParams(temperature=0.0, max_tokens=config.max_tokens),
        regex=RATING_REGEX if config.constrain_output else None,
        instruction=example["instruction"],
        input=example["input"] or "",
        output=example["output"],
    )


def score_row(
    set_name: str, example_id: str, response: LLMResponse, rater_model: str, config: RatingConfig
) -> dict[str, Any]:
    if response.text is not None:
        # Parse whatever text came back, even when the backend flagged it (e.g. it did not match
        # the output constraint): the paper's parser decides, and the flag is kept on failure.
        parsed = parse_rating(response.text)
        score, status, error = parsed.score, parsed.status.value, parsed.error
        if not parsed.ok and response.error:
            error = f"{error}; backend: {response.error}"
    else:
        score, status, error = None, LLM_ERROR, response.error or "no text returned"
    return {
        "instruction_set": set_name,
        "example_id": example_id,
        "score": score,
        "parse_status": status,
        "parse_error": error,
        "raw_text": response.text,
        "rater_model": response.model_id or rater_model,
        "dimension": config.dimension,
        "prompt_version": None,  # filled by the caller (the request carries it)
        "cache_key": response.cache_key,
        "cached": response.cached,
        "prompt_tokens": response.prompt_tokens,
        "completion_tokens": response.completion_tokens,
        "max_parse_failure_rate": config.max_parse_failure_rate,
    }


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[instruction_examples],
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version("quality_rate_accuracy", "quality_rate_helpfulness"),
    kinds={"duckdb"},
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
    template = load_prompt(f"quality_rate_{config.dimension}")
    stager = ParquetStager(store.staging_dir("quality_scores", name))
    usage = UsageTally()
    prompt_version = ""
    query = store.sql("quality_examples_to_rate")
    params = {"instruction_set": name, "limit": config.limit}
    for batch in store.iter_batches(query, params, batch_rows=config.batch_size):
        examples = batch.to_dicts()
        requests = [rating_request(template, name, example, config) for example in examples]
        prompt_version = requests[0].prompt_version
        responses = rater.generate(requests, stage="quality_scores")
        rows = [
            {**score_row(name, ex["example_id"], resp, rater_id, config),
             "prompt_version": prompt_version}
            for ex, resp in zip(examples, responses)
        ]
        stager.write(pl.DataFrame(rows, schema=SCORE_SCHEMA))
        usage.add(rater.usage_metadata(responses))
        context.log.info(f"{name}: rated {stager.rows} examples")
    rated = store.replace_partition("quality_scores", "instruction_set", name, stager.files)
    stager.cleanup()

    summary = store.query("quality_scores_summary", {"instruction_set": name})
    failed = int(
        summary.filter(pl.col("parse_status").is_in([ParseStatus.FAILED.value, LLM_ERROR]))[
            "examples"
        ].sum()
    )
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
        }
    )


def rater_model_id(llm: LLMResource) -> str:
    return llm.settings().model_id


@dg.asset_check(asset=quality_scores, blocking=True, description=(
    "Per instruction set: the share of ratings with no parseable score stays below the ceiling "
    "configured at rating time (RatingConfig.max_parse_failure_rate); scores lie in 0-5; one row "
    "per example."
))
def quality_scores_parse_failure_rate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    if not store.table_exists("quality_scores"):
        return dg.AssetCheckResult(passed=False, description="table quality_scores is missing")
    frame = store.query("quality_check_parse_failures")
    bad = frame.filter(
        (pl.col("failure_rate") > pl.col("ceiling"))
        | (pl.col("out_of_range") > 0)
        | (pl.col("duplicates") > 0)
    )
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={
            "per_set": dg.MetadataValue.md(markdown_table(frame)),
            "sets_failing": bad["instruction_set"].to_list(),
            "worst_failure_rate": float(frame["failure_rate"].max() or 0.0),
        },
    )
