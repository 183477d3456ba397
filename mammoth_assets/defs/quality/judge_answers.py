"""`judge_answers`: two models answer the AlpaGasus test sets, one row per item and model; the
pairwise judge (`judge_verdicts`) compares them."""


from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.core.model_specs import ModelSpecError, resolve_model_spec
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.quality.tables import ANSWER_SCHEMA, UsageTally, markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.steps.checkpoints import recorded_checkpoint
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import SamplingParams
from mammoth_assets.warehouse import ParquetStager, Warehouse

ALPAGASUS_TEST_SETS = ["vicuna", "koala", "sinstruct", "wizardlm"]
PROMPT = "quality_answer"


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

    def checkpoint_of_recipe(recipe: str) -> str | None:
        return (recorded_checkpoint(store, recipe) or {}).get("checkpoint_path")

    try:
        return resolve_model_spec(model, checkpoint_of_recipe)
    except ModelSpecError as error:
        raise dg.Failure(description=str(error)) from error


def answer_row(comparison: str, test_set: str, item: dict[str, Any], role: str, spec: AnswerModel,
               request: Any, response: Any, fallback_model_id: str) -> dict[str, Any]:
    return {
        "comparison": comparison,
        "test_set": test_set,
        "item_id": item["example_id"],
        "position": item["position"],
        "instruction": item["instruction"],
        "input": item["input"],
        "model_role": role,
        "model_label": spec.label,
        "model_id": response.model_id or fallback_model_id,
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


@dg.asset(
    deps=["sft_checkpoint"],  # lineage for `recipe:<name>` model specs
    group_name="quality",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
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
    template = load_prompt(PROMPT)
    stager = ParquetStager(store.staging_dir("judge_answers", comparison))
    usage = UsageTally()
    items_per_set: dict[str, int] = {}
    failed = 0
    for name_or_path in config.test_sets:
        declaration = test_set_declaration(name_or_path)
        items = list(sets.iter_examples(declaration, limit=config.limit_per_set))
        valid = [r for r in items if r["status"] == "ok"]
        if len(valid) < len(items):
            context.log.warning(f"{declaration.name}: {len(items) - len(valid)} unusable items skipped")
        items_per_set[declaration.name] = len(valid)
        for role, spec in (("a", config.model_a), ("b", config.model_b)):
            resolved = resolve_model(store, spec.model)
            model = llm.with_model(resolved) if resolved else llm
            sampling = SamplingParams(temperature=spec.temperature, max_tokens=spec.max_tokens, seed=spec.seed)
            for batch in sets.batched(valid, config.batch_size):
                requests = [
                    template.request(
                        f"{comparison}:{declaration.name}:{item['example_id']}:{role}",
                        sampling=sampling, instruction=item["instruction"], input=item["input"],
                    )
                    for item in batch
                ]
                responses = model.generate(requests, stage="judge_answers")
                usage.add(model.usage_metadata(responses))
                failed += sum(1 for r in responses if not r.ok)
                model_id = model.settings().model_id
                rows = [
                    answer_row(comparison, declaration.name, item, role, spec, request, response, model_id)
                    for item, request, response in zip(batch, requests, responses)
                ]
                stager.write(pl.DataFrame(rows, schema=ANSWER_SCHEMA))
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
                store.query("judge_answers_sample", {"comparison": comparison, "rows": 6})
            )),
            **usage.metadata(),
        }
    )
