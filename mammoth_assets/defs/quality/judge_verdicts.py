"""`judge_verdicts`: a judge LLM scores both answers 1-10 in one prompt, in both orders, folded
into Win/Tie/Lose for model A (policy in `core.judging`); its parse-failure check is declared on the
asset and gated by the asset's own config."""


import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import judging
from mammoth_assets.core.alpagasus import JUDGE_REGEX
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.quality.judge_answers import judge_answers
from mammoth_assets.defs.quality.plots import win_tie_lose_png
from mammoth_assets.defs.quality.tables import VERDICT_SCHEMA, UsageTally, markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import SamplingParams
from mammoth_assets.warehouse import ParquetStager, Warehouse

PROMPT = "quality_judge_pair"
PARSE_FAILURE_CHECK = "judge_verdicts_parse_failure_rate"


class JudgeVerdictsConfig(dg.Config):
    judge_model: str = ""  # empty = the `llm` resource's model (the paper used GPT-4)
    max_tokens: int = 128
    constrain_output: bool = True  # decode under JUDGE_REGEX where the backend supports it
    batch_size: int = 64
    max_parse_failure_rate: float = 0.05  # ceiling of the blocking parse-failure check


def judge_request(template, prompt: judging.JudgePrompt, config: JudgeVerdictsConfig):
    return template.request(
        prompt.request_id,
        sampling=SamplingParams(temperature=0.0, max_tokens=config.max_tokens),
        regex=JUDGE_REGEX if config.constrain_output else None,
        question=prompt.question,
        answer_1=prompt.first,
        answer_2=prompt.second,
    )


def verdict_rows(batch: list[dict], responses: list, judge_id: str, prompt_version: str) -> list[dict]:
    """One row per pair: unanswered pairs were never sent; answered ones have two responses each."""
    by_item = iter(zip(responses[0::2], responses[1::2]))
    rows = []
    for pair in batch:
        if judging.is_answered(pair):
            a_first, b_first = next(by_item)
            rows.append(judging.verdict_row(pair, a_first, b_first, judge_id, prompt_version))
        else:
            rows.append(judging.unanswered_row(pair, list(VERDICT_SCHEMA)))
    return rows


def parse_failure_check(store: Warehouse, max_parse_failure_rate: float) -> dg.AssetCheckResult:
    """Every answered item has a verdict; the unparsed share per comparison stays under the ceiling."""
    frame = store.query("judge_verdicts_parse_failures")
    failing = judging.failing_comparisons(frame, max_parse_failure_rate)
    return dg.AssetCheckResult(
        check_name=PARSE_FAILURE_CHECK,
        passed=not failing,
        metadata={"per_comparison": dg.MetadataValue.md(markdown_table(frame)),
                  "comparisons_failing": failing, "max_parse_failure_rate": max_parse_failure_rate},
    )


@dg.asset(
    deps=[judge_answers],
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        PARSE_FAILURE_CHECK, asset="judge_verdicts", blocking=True,
        description="Every answered item has a verdict, and the share of items the judge left "
        "unparsed (in either order) stays at or below the asset's max_parse_failure_rate.",
    )],
    description="Pairwise judge (1-10 for both answers in one prompt), every item judged in both "
    "orders; folded into Win/Tie/Lose for model A and the winning score (Win - Lose)/N + 1.",
)
def judge_verdicts(
    context: dg.AssetExecutionContext,
    config: JudgeVerdictsConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    store = warehouse.get()
    judge = llm.with_model(config.judge_model) if config.judge_model else llm
    judge_id = judge.settings().model_id
    template = load_prompt(PROMPT)
    pairs = store.query("judge_answers_pairs")
    stager = ParquetStager(store.staging_dir("judge_verdicts", "all"))
    usage = UsageTally()
    prompt_version = ""
    for start in range(0, pairs.height, config.batch_size):
        batch = pairs.slice(start, config.batch_size).to_dicts()
        requests = [
            judge_request(template, prompt, config)
            for pair in batch if judging.is_answered(pair)
            for prompt in judging.judge_prompts(pair)
        ]
        responses = judge.generate(requests, stage="judge_verdicts") if requests else []
        if responses:
            usage.add(judge.usage_metadata(responses))
        prompt_version = requests[0].prompt_version if requests else prompt_version
        stager.write(pl.DataFrame(verdict_rows(batch, responses, judge_id, prompt_version), schema=VERDICT_SCHEMA))
    rows_written = store.replace_table("judge_verdicts", stager.files) if stager.files else 0
    stager.cleanup()
    verdicts = store.query("judge_verdicts_outcomes")
    table, bars = judging.win_tie_lose_table(verdicts)
    plot = win_tie_lose_png(
        bars, "Win / Tie / Lose of model A (both orders)",
        paths.artifacts_dir("quality", "judge") / "judge_verdicts.png",
    )
    overall = table.filter(pl.col("test_set") == "overall")
    unjudged = int(verdicts.filter(pl.col("verdict") == judging.UNJUDGED).height)
    return dg.MaterializeResult(
        metadata={
            "rows": rows_written,
            "judged": rows_written - unjudged,
            "unjudged": unjudged,
            "judge_model": judge_id,
            "prompt_version": prompt_version,
            "winning_score_overall": dg.MetadataValue.json(
                dict(zip(overall["comparison"].to_list(), overall["winning_score"].to_list()))
            ),
            "win_tie_lose": dg.MetadataValue.md(markdown_table(table)),
            "sample": dg.MetadataValue.md(
                markdown_table(store.query("judge_verdicts_sample", {"rows": 6}))
            ),
            "win_tie_lose_plot": embedded_png(plot, "win tie lose"),
            "win_tie_lose_path": dg.MetadataValue.path(str(plot)),
            **usage.metadata(),
        },
        check_results=[parse_failure_check(store, config.max_parse_failure_rate)],
    )
