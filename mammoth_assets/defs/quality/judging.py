"""Pairwise judging: two models answer the test sets (`judge_answers`), a judge LLM scores both
answers 1-10 in one prompt, in both orders, folded into win/tie/lose (`judge_verdicts`)."""


from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.core.alpagasus import (
    JUDGE_REGEX,
    WinTieLose,
    compare,
    fold_orders,
    parse_judge,
    tally,
)
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.quality.plots import win_tie_lose_png
from mammoth_assets.defs.quality.tables import (
    ANSWER_SCHEMA,
    VERDICT_SCHEMA,
    UsageTally,
    markdown_table,
)
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.steps.checkpoints import recorded_checkpoint
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import LLMResponse, SamplingParams
from mammoth_assets.warehouse import ParquetStager, Warehouse

ALPAGASUS_TEST_SETS = ["vicuna", "koala", "sinstruct", "wizardlm"]
UNJUDGED = "unjudged"


RECIPE_PREFIX = "recipe:"


class AnswerModel(dg.Config):
    """One side of the comparison: a model and how it samples. `model` is empty (the `llm`
    resource's model), a checkpoint path or hub id, or `recipe:<training recipe>` for the checkpoint
    that recipe's `sft_checkpoint` produced (the paper: AlpaGasus-trained vs random-trained). Two
    seeds of one model make a valid offline pair."""

    label: str
    model: str = ""
    temperature: float = 0.7
    seed: int = 0
    max_tokens: int = 256


class JudgeAnswersConfig(dg.Config):
    test_sets: list[str] = ALPAGASUS_TEST_SETS  # declared names (kind: test) or file paths
    model_a: AnswerModel = AnswerModel(label="model_a", seed=1)
    model_b: AnswerModel = AnswerModel(label="model_b", seed=2)
    limit_per_set: int = 0  # answer at most this many items per test set (0 = all)
    batch_size: int = 64


class JudgeVerdictsConfig(dg.Config):
    judge_model: str = ""  # empty = the `llm` resource's model (the paper used GPT-4)
    max_tokens: int = 128
    constrain_output: bool = True  # decode under JUDGE_REGEX where the backend supports it
    batch_size: int = 64
    max_parse_failure_rate: float = 0.05  # ceiling for the blocking parse-failure check


def comparison_name(config: JudgeAnswersConfig) -> str:
    return f"{config.model_a.label}__vs__{config.model_b.label}"


def test_set_declaration(name_or_path: str) -> sets.InstructionSetDeclaration:
    declared = sets.all_declarations()
    if name_or_path in declared:
        return declared[name_or_path]
    stem = name_or_path.rsplit("/", 1)[-1].split(".", 1)[0]
    return sets.InstructionSetDeclaration(name=stem, source=name_or_path, kind="test")


def resolve_model(store: Warehouse, model: str) -> str:
    """A model spec as the LLM layer takes it; `recipe:<name>` becomes that recipe's checkpoint."""
    if not model.startswith(RECIPE_PREFIX):
        return model
    recipe = model[len(RECIPE_PREFIX):]
    path = (recorded_checkpoint(store, recipe) or {}).get("checkpoint_path")
    if not path:
        raise dg.Failure(
            description=f"model {model!r}: no sft_checkpoint for training recipe {recipe!r}; "
            "materialize sft_checkpoint for that recipe first"
        )
    return str(path)


def model_id_of(llm: LLMResource) -> str:
    return llm.settings().model_id


@dg.asset(
    deps=["sft_checkpoint"],  # lineage for `recipe:<name>` model specs
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version("quality_answer"),
    kinds={"duckdb"},
    description="Two models' answers to the AlpaGasus test sets (Vicuna, Koala, Self-Instruct, "
    "WizardLM), generated through the LLM layer; one row per item and model.",
)
def judge_answers(
    context: dg.AssetExecutionContext,
    config: JudgeAnswersConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    if config.model_a.label == config.model_b.label:
        raise dg.Failure("model_a and model_b need different labels")
    store = warehouse.get()
    comparison = comparison_name(config)
    template = load_prompt("quality_answer")
    stager = ParquetStager(store.staging_dir("judge_answers", comparison))
    usage = UsageTally()
    items_per_set: dict[str, int] = {}
    failed = 0
    for name_or_path in config.test_sets:
        declaration = test_set_declaration(name_or_path)
        items = [r for r in sets.iter_examples(declaration, limit=config.limit_per_set)]
        valid = [r for r in items if r["status"] == "ok"]
        if len(valid) < len(items):
            context.log.warning(f"{declaration.name}: {len(items) - len(valid)} unusable items skipped")
        items_per_set[declaration.name] = len(valid)
        for role, spec in (("a", config.model_a), ("b", config.model_b)):
            resolved = resolve_model(store, spec.model)
            model = llm.with_model(resolved) if resolved else llm
            for batch in sets.batched(valid, config.batch_size):
                requests = [
                    template.request(
                        f"{comparison}:{declaration.name}:{item['example_id']}:{role}",
                        sampling=SamplingParams(
                            temperature=spec.temperature, max_tokens=spec.max_tokens, seed=spec.seed
                        ),
                        instruction=item["instruction"],
                        input=item["input"],
                    )
                    for item in batch
                ]
                responses = model.generate(requests, stage="judge_answers")
                usage.add(model.usage_metadata(responses))
                failed += sum(1 for r in responses if not r.ok)
                stager.write(
                    pl.DataFrame(
                        [
                            {
                                "comparison": comparison,
                                "test_set": declaration.name,
                                "item_id": item["example_id"],
                                "position": item["position"],
                                "instruction": item["instruction"],
                                "input": item["input"],
                                "model_role": role,
                                "model_label": spec.label,
                                "model_id": response.model_id or model_id_of(model),
                                "temperature": spec.temperature,
                                "seed": spec.seed,
                                "answer": response.text,
                                "status": "ok" if response.ok else "failed",
                                "error": response.error,
                                "prompt_version": request.prompt_version,
                                "cache_key": response.cache_key,
                                "cached": response.cached,
                                "completion_tokens": response.completion_tokens,
                            }
                            for item, request, response in zip(batch, requests, responses)
                        ],
                        schema=ANSWER_SCHEMA,
                    )
                )
        context.log.info(f"{comparison}: answered {declaration.name} ({len(valid)} items x 2)")
    rows = store.replace_partition("judge_answers", "comparison", comparison, stager.files)
    stager.cleanup()
    return dg.MaterializeResult(
        metadata={
            "comparison": comparison,
            "rows": rows,
            "items_per_test_set": dg.MetadataValue.json(items_per_set),
            "failed_answers": failed,
            "model_a": dg.MetadataValue.json(config.model_a.model_dump()),
            "model_b": dg.MetadataValue.json(config.model_b.model_dump()),
            "sample": dg.MetadataValue.md(markdown_table(
                store.query("quality_judge_answers_sample", {"comparison": comparison, "rows": 6})
            )),
            **usage.metadata(),
        }
    )


def judge_request(template: Any, request_id: str, question: str, first: str, second: str,
                  config: JudgeVerdictsConfig):
    return template.request(
        request_id,
        sampling=SamplingParams(temperature=0.0, max_tokens=config.max_tokens),
        regex=JUDGE_REGEX if config.constrain_output else None,
        question=question,
        answer_1=first,
        answer_2=second,
    )


def verdict_row(pair: dict[str, Any], a_first: LLMResponse, b_first: LLMResponse,
                judge_id: str, prompt_version: str, config: JudgeVerdictsConfig) -> dict[str, Any]:
    """Fold the two judgements of one item into model A's verdict (or 'unjudged' with a reason)."""
    parse_a_first = parse_judge(a_first.text) if a_first.text is not None else None
    parse_b_first = parse_judge(b_first.text) if b_first.text is not None else None
    row: dict[str, Any] = {
        "comparison": pair["comparison"],
        "test_set": pair["test_set"],
        "item_id": pair["item_id"],
        "model_a": pair["model_a"],
        "model_b": pair["model_b"],
        "judge_model": a_first.model_id or judge_id,
        "a_first_score_a": parse_a_first.first if parse_a_first else None,
        "a_first_score_b": parse_a_first.second if parse_a_first else None,
        "b_first_score_a": parse_b_first.second if parse_b_first else None,
        "b_first_score_b": parse_b_first.first if parse_b_first else None,
        "a_first_outcome": None,
        "b_first_outcome": None,
        "verdict": UNJUDGED,
        "reason": None,
        "a_first_raw": a_first.text,
        "b_first_raw": b_first.text,
        "a_first_parse_status": parse_a_first.status.value if parse_a_first else "llm_error",
        "b_first_parse_status": parse_b_first.status.value if parse_b_first else "llm_error",
        "prompt_version": prompt_version,
        "max_parse_failure_rate": config.max_parse_failure_rate,
    }
    problems = []
    for label, response, parsed in (("A first", a_first, parse_a_first), ("B first", b_first, parse_b_first)):
        if parsed is None:
            problems.append(f"{label}: judge call failed ({response.error})")
        elif not parsed.ok:
            problems.append(f"{label}: {parsed.error}")
    if problems:
        row["reason"] = "; ".join(problems)
        return row
    first = compare(row["a_first_score_a"], row["a_first_score_b"])
    second = compare(row["b_first_score_a"], row["b_first_score_b"])
    row.update(a_first_outcome=first.value, b_first_outcome=second.value,
               verdict=fold_orders(first, second).value)
    return row


def _unanswered_row(pair: dict[str, Any], config: JudgeVerdictsConfig) -> dict[str, Any]:
    return {
        **{column: None for column in VERDICT_SCHEMA},
        **{k: pair[k] for k in ("comparison", "test_set", "item_id", "model_a", "model_b")},
        "verdict": UNJUDGED,
        "reason": "an answer is missing (the answering model failed)",
        "max_parse_failure_rate": config.max_parse_failure_rate,
    }


def win_tie_lose_table(verdicts: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[str, int, int, int]]]:
    """Per (comparison, test set) and overall: Win/Tie/Lose, N, unjudged and winning score."""
    rows, bars = [], []
    groups = verdicts.partition_by(["comparison", "test_set"], as_dict=True, maintain_order=True)
    for (comparison, test_set), group in groups.items():
        rows.append(_tally_row(comparison, test_set, group))
    for (comparison,), group in verdicts.partition_by(["comparison"], as_dict=True, maintain_order=True).items():
        rows.append(_tally_row(comparison, "overall", group))
    for row in rows:
        score = "n/a" if row["winning_score"] is None else f"{row['winning_score']:.2f}"
        label = f"{row['test_set']} ({row['comparison']}) WS {score}"
        bars.append((label, row["win"], row["tie"], row["lose"]))
    return pl.DataFrame(rows), bars


def _tally_row(comparison: str, test_set: str, group: pl.DataFrame) -> dict[str, Any]:
    judged = group.filter(pl.col("verdict") != UNJUDGED)["verdict"].to_list()
    result: WinTieLose = tally(judged)
    return {
        "comparison": comparison,
        "test_set": test_set,
        "win": result.win,
        "tie": result.tie,
        "lose": result.lose,
        "n": result.n,
        "unjudged": group.height - result.n,
        "winning_score": result.winning_score,
    }


@dg.asset(
    deps=[judge_answers],
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version("quality_judge_pair"),
    kinds={"duckdb"},
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
    template = load_prompt("quality_judge_pair")
    pairs = store.query("quality_judge_pairs")
    stager = ParquetStager(store.staging_dir("judge_verdicts", "all"))
    usage = UsageTally()
    prompt_version = ""
    for start in range(0, pairs.height, config.batch_size):
        batch = pairs.slice(start, config.batch_size).to_dicts()
        answered = [p for p in batch if p["answer_a"] is not None and p["answer_b"] is not None]
        requests = []
        for p in answered:
            stem = f"{p['comparison']}:{p['test_set']}:{p['item_id']}"
            question = p["instruction"] + (f"\n\n{p['input']}" if p["input"] else "")
            requests.append(judge_request(template, f"{stem}:a_first", question, p["answer_a"], p["answer_b"], config))
            requests.append(judge_request(template, f"{stem}:b_first", question, p["answer_b"], p["answer_a"], config))
        responses = judge.generate(requests, stage="judge_verdicts") if requests else []
        if responses:
            usage.add(judge.usage_metadata(responses))
        prompt_version = requests[0].prompt_version if requests else prompt_version
        by_item = iter(zip(responses[0::2], responses[1::2]))
        rows = []
        for p in batch:
            if p["answer_a"] is None or p["answer_b"] is None:
                rows.append(_unanswered_row(p, config))
            else:
                a_first, b_first = next(by_item)
                rows.append(verdict_row(p, a_first, b_first, model_id_of(judge), prompt_version, config))
        stager.write(pl.DataFrame(rows, schema=VERDICT_SCHEMA))
    rows_written = store.replace_table("judge_verdicts", stager.files) if stager.files else 0
    stager.cleanup()
    judge_id = model_id_of(judge)
    verdicts = store.query("quality_judge_verdict_outcomes")
    table, bars = win_tie_lose_table(verdicts)
    plot = win_tie_lose_png(
        bars, "Win / Tie / Lose of model A (both orders)",
        paths.artifacts_dir("quality", "judge") / "judge_verdicts.png",
    )
    overall = table.filter(pl.col("test_set") == "overall")
    unjudged = int(verdicts.filter(pl.col("verdict") == UNJUDGED).height)
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
                markdown_table(store.query("quality_judge_verdicts_sample", {"rows": 6}))
            ),
            "win_tie_lose_plot": embedded_png(plot, "win tie lose"),
            "win_tie_lose_path": dg.MetadataValue.path(str(plot)),
            **usage.metadata(),
        }
    )


@dg.asset_check(asset=judge_verdicts, blocking=True, description=(
    "Every answered item has a verdict, and the share of items the judge left unparsed (in either "
    "order) stays below JudgeVerdictsConfig.max_parse_failure_rate."
))
def judge_verdicts_parse_failure_rate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    if not store.table_exists("judge_verdicts"):
        return dg.AssetCheckResult(passed=False, description="table judge_verdicts is missing")
    frame = store.query("quality_check_judge_verdicts")
    bad = frame.filter(
        (pl.col("failure_rate") > pl.col("ceiling")) | (pl.col("items") != pl.col("verdicts"))
    )
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"per_comparison": dg.MetadataValue.md(markdown_table(frame))},
    )
