"""`hybrid_rationales`: MAmmoTH's hybrid instruction data: each example's own answer as a
chain-of-thought rationale plus its verified program-of-thought rationales, in chat format, with a
JSONL export for training."""


import json
from collections import Counter, defaultdict

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core.rationales import hybrid_examples
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.rationales import checks
from mammoth_assets.defs.rationales.reporting import markdown_table, require_table
from mammoth_assets.defs.resources import WarehouseResource, artifact_metadata

HYBRID_SCHEMA = {
    "instruction_set": pl.Utf8,
    "example_id": pl.Utf8,
    "rationale_type": pl.Utf8,  # cot | pot
    "program_id": pl.Utf8,  # the verified program behind a pot row
    "instruction": pl.Utf8,
    "output": pl.Utf8,
    "messages": pl.Utf8,  # JSON chat messages [{"role", "content"}]
}


class HybridRationalesConfig(dg.Config):
    include_cot: bool = Field(default=True, description="Add each example's own answer as a CoT rationale.")
    max_programs_per_example: int = Field(default=1, ge=1, description="Distinct verified programs kept per example.")


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=["verified_rationales", "instruction_examples"],
    group_name="rationales",
    kinds={"duckdb", "json"},
    check_specs=checks.HYBRID_RATIONALES_CHECKS,
    description="Hybrid CoT + PoT training examples in chat format (MAmmoTH / MathInstruct style): "
    "answers as CoT, verified programs as PoT after \"Let's write a program.\"",
)
def hybrid_rationales(
    context: dg.AssetExecutionContext,
    config: HybridRationalesConfig,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    instruction_set = context.partition_key
    store = warehouse.get()
    for table in ("verified_rationales", "pot_programs", "instruction_examples"):
        require_table(store, table, instruction_set)
    examples = store.query("pot_programs_examples", {"instruction_set": instruction_set}).to_dicts()
    programs: dict[str, list[dict]] = defaultdict(list)
    for row in store.query("verified_rationales_kept_programs", {"instruction_set": instruction_set}).iter_rows(named=True):
        programs[row["example_id"]].append(row)
    rows = [
        row | {"instruction_set": instruction_set}
        for row in hybrid_examples(
            examples, programs, include_cot=config.include_cot,
            max_programs_per_example=config.max_programs_per_example,
        )
    ]
    frame = pl.DataFrame(rows, schema=HYBRID_SCHEMA)
    written = store.replace_partition("hybrid_rationales", "instruction_set", instruction_set, frame)
    export = paths.artifacts_dir("rationales", instruction_set) / "hybrid_rationales.jsonl"
    with open(export, "w", encoding="utf-8") as handle:
        for row in rows:
            record = {k: row[k] for k in ("instruction_set", "example_id", "rationale_type", "program_id")}
            handle.write(json.dumps(record | {"messages": json.loads(row["messages"])}, ensure_ascii=False) + "\n")
    by_type = Counter(frame["rationale_type"].to_list())
    with_pot = frame.filter(pl.col("rationale_type") == "pot")["example_id"].n_unique()
    sample = (frame.filter(pl.col("rationale_type") == "pot").head(3).to_dicts() + frame.head(2).to_dicts())[:5]
    context.log.info(f"hybrid_rationales[{instruction_set}]: {dict(by_type)}")
    return dg.MaterializeResult(
        metadata={
            "instruction_set": instruction_set,
            "examples": len(examples),
            "rows": written,
            "cot_rows": by_type.get("cot", 0),
            "pot_rows": by_type.get("pot", 0),
            "examples_with_pot": with_pot,
            "examples_without_pot": len(examples) - with_pot,
            "sample": dg.MetadataValue.md(markdown_table(sample, ["example_id", "rationale_type", "instruction", "output"])),
            **artifact_metadata(export),
        },
        check_results=[checks.hybrid_only_verified_programs(store, instruction_set, by_type.get("pot", 0))],
    )
