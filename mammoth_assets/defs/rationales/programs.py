"""`pot_programs`: ask the LLM for program-of-thought rationales (k samples per question) for the
examples of an instruction set that have a checkable final answer."""


from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.rationale_rows import program_rows, split_candidates
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.rationales import checks
from mammoth_assets.defs.rationales.reporting import counts_table, markdown_table, require_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource, SamplingParams, load_prompt
from mammoth_assets.warehouse import ParquetStager

PROMPT = "rationales_pot"
POT_PROGRAMS_SCHEMA = {
    "instruction_set": pl.Utf8,
    "program_id": pl.Utf8,
    "example_id": pl.Utf8,
    "sample_index": pl.Int64,  # null for skipped examples
    "question": pl.Utf8,
    "reference_answer": pl.Utf8,
    "reference_source": pl.Utf8,  # gsm8k_marker | boxed | answer_is | short_answer | null
    "program": pl.Utf8,
    "status": pl.Utf8,  # generated | no_program | llm_error | skipped
    "reason": pl.Utf8,
    "raw_text": pl.Utf8,
    "model_id": pl.Utf8,
    "prompt_version": pl.Utf8,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
    "cached": pl.Boolean,
}


class PotProgramsConfig(dg.Config):
    samples_per_question: int = Field(default=1, ge=1, description="k programs asked per question.")
    temperature: float = Field(default=0.0, ge=0.0, description="0 = greedy; k > 1 needs > 0 so samples differ.")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=512, ge=1, description="Longest program reply, in tokens.")
    limit: int = Field(default=0, ge=0, description="Read at most this many examples (0 = all).")
    skip_coding: bool = Field(default=True, description="Skip coding tasks: their answers are code, not values.")
    batch_size: int = Field(default=256, ge=1, description="Questions per LLM call (each call is cached).")


def sampling_for(config: PotProgramsConfig, sample_index: int) -> SamplingParams:
    return SamplingParams(
        temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens,
        seed=sample_index,
    )


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=["instruction_examples"],
    group_name="rationales",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb"},
    check_specs=checks.POT_PROGRAMS_CHECKS,
    description="Program-of-thought rationales (MAmmoTH): k LLM-written Python programs per question "
    "with a checkable final answer; examples without one are kept as 'skipped' with the reason.",
)
def pot_programs(
    context: dg.AssetExecutionContext,
    config: PotProgramsConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    if config.samples_per_question > 1 and config.temperature == 0:
        raise dg.Failure(
            "samples_per_question > 1 with temperature 0 asks for k identical greedy programs: "
            "set temperature > 0 (e.g. 0.7) or samples_per_question = 1"
        )
    instruction_set = context.partition_key
    store = warehouse.get()
    require_table(store, "instruction_examples", instruction_set)
    candidates = store.query(
        "instruction_examples_pot_candidates",
        {"instruction_set": instruction_set, "limit": config.limit or 2**62},
    )
    prompted, skipped = split_candidates(candidates.iter_rows(named=True), instruction_set, config.skip_coding)
    template = load_prompt(PROMPT)
    stager = ParquetStager(store.staging_dir("pot_programs", instruction_set))
    stager.write(skipped, schema=POT_PROGRAMS_SCHEMA)
    k = config.samples_per_question
    responses_all = []
    for start in range(0, len(prompted), config.batch_size):
        batch = prompted[start : start + config.batch_size]
        requests = [
            template.request(f"{row['example_id']}:pot:{i}", sampling=sampling_for(config, i), question=row["question"])
            for row in batch
            for i in range(k)
        ]
        responses = llm.generate(requests, stage="pot_programs", log=context.log)
        responses_all.extend(responses)
        rows = program_rows(batch, responses, k)
        for row in rows:
            row["prompt_version"] = requests[0].prompt_version
        stager.write(rows, schema=POT_PROGRAMS_SCHEMA)
    # an empty typed frame still creates the table, so downstream stages see "no rows", not "no table"
    source = stager.files or pl.DataFrame(schema=POT_PROGRAMS_SCHEMA)
    written = store.replace_partition("pot_programs", "instruction_set", instruction_set, source)
    stager.cleanup()

    frame = store.read_table("pot_programs", "instruction_set", instruction_set)
    by_status = Counter(frame["status"].to_list())
    reasons = Counter(
        f"{s}: {(r or '')[:60]}" for s, r in zip(frame["status"], frame["reason"]) if s != "generated"
    )
    sample = frame.filter(pl.col("status") == "generated").head(5).to_dicts() or frame.head(5).to_dicts()
    context.log.info(f"pot_programs[{instruction_set}]: {len(candidates)} examples, {dict(by_status)}")
    return dg.MaterializeResult(
        metadata={
            "instruction_set": instruction_set,
            "examples_in": len(candidates),
            "examples_prompted": len(prompted),
            "examples_skipped": len(skipped),
            "samples_per_question": k,
            "rows": written,
            "programs_generated": by_status.get("generated", 0),
            "no_program": by_status.get("no_program", 0),
            "llm_errors": by_status.get("llm_error", 0),
            "dropped_by_reason": dg.MetadataValue.md(counts_table(reasons)),
            "sample": dg.MetadataValue.md(
                markdown_table(sample, ["example_id", "reference_answer", "status", "reason", "program"])
            ),
            **llm.usage_metadata(responses_all),
        },
        check_results=[checks.pot_programs_accounted(store, instruction_set, len(candidates), k)],
    )
