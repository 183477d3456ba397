"""`instruction_examples`: one instruction set, normalised to one row shape, invalid rows recorded."""


from typing import Any, Iterator

import dagster as dg
import polars as pl

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.quality.tables import EXAMPLE_SCHEMA, markdown_table
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import ParquetStager, Warehouse

WEBINSTRUCT_TABLE = "webinstruct"
ACCOUNTED_CHECK = "instruction_examples_accounted"


class InstructionExamplesConfig(dg.Config):
    """Where the partition's examples come from. An empty `source` uses the declaration of the
    partition's name (instruction_sets.yaml or `mammoth add-instruction-set`)."""

    source: str = ""  # a path, shared:<path>, hf:<dataset id> or warehouse:webinstruct
    split: str = "train"  # Hugging Face split
    limit: int = 0  # read at most this many records (0 = all)
    batch_rows: int = 10_000


def declaration_for(name: str, config: InstructionExamplesConfig) -> sets.InstructionSetDeclaration:
    if config.source:
        return sets.InstructionSetDeclaration(name=name, source=config.source, split=config.split)
    return sets.find_declaration(name)


def _warehouse_records(warehouse: Warehouse, table: str, batch_rows: int) -> Iterator[dict[str, Any]]:
    if table != WEBINSTRUCT_TABLE:
        raise sets.InstructionSetError(
            f"warehouse source {table!r}: only warehouse:{WEBINSTRUCT_TABLE} is supported"
        )
    if not warehouse.table_exists(table):
        raise sets.InstructionSetError(
            f"table {table!r} does not exist yet: materialize the `{table}` asset first"
        )
    for batch in warehouse.iter_batches(warehouse.sql("webinstruct_instruction_records"), batch_rows=batch_rows):
        yield from batch.iter_rows(named=True)


def example_rows(
    warehouse: Warehouse, declaration: sets.InstructionSetDeclaration, limit: int, batch_rows: int
) -> Iterator[dict[str, Any]]:
    kind, location = sets.resolve_source(declaration.source)
    if kind == "warehouse":
        records = _warehouse_records(warehouse, location, batch_rows)
        return sets.normalise_records(declaration.name, records, declaration.source, limit=limit)
    return sets.iter_examples(declaration, limit=limit)


def accounted_check(store: Warehouse, name: str) -> dg.AssetCheckResult:
    """Every record read is a row: valid + invalid (with a reason) = rows, ids unique."""
    counts = store.query("instruction_examples_accounting", {"instruction_set": name}).row(0, named=True)
    passed = counts["valid"] + counts["invalid_with_reason"] == counts["rows"] and counts["duplicate_ids"] == 0
    return dg.AssetCheckResult(check_name=ACCOUNTED_CHECK, passed=bool(passed),
                               metadata={"instruction_set": name, **{k: int(v) for k, v in counts.items()}})


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=[dg.AssetKey(WEBINSTRUCT_TABLE)],
    group_name="quality",
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        ACCOUNTED_CHECK, asset="instruction_examples", blocking=True,
        description="Every record read is a row: valid + invalid = rows, each invalid row has a "
        "reason, ids unique.",
    )],
    description="Examples of one instruction set (WebInstruct or an external Alpaca/chat file), "
    "normalised to instruction/input/output; malformed records kept with status 'invalid'.",
)
def instruction_examples(
    context: dg.AssetExecutionContext,
    config: InstructionExamplesConfig,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    name = context.partition_key
    store = warehouse.get()
    try:
        declaration = declaration_for(name, config)
        stager = ParquetStager(store.staging_dir("instruction_examples", name))
        rows_in = example_rows(store, declaration, config.limit, config.batch_rows)
        for batch in sets.batched(rows_in, config.batch_rows):
            stager.write(pl.DataFrame(batch, schema=EXAMPLE_SCHEMA))
    except sets.InstructionSetError as error:
        raise dg.Failure(description=f"instruction set {name!r}: {error}") from error
    rows = store.replace_partition("instruction_examples", "instruction_set", name, stager.files)
    stager.cleanup()
    summary = store.query("instruction_examples_summary", {"instruction_set": name})
    valid = int(summary.filter(pl.col("status") == "ok")["examples"].sum())
    context.log.info(f"{name}: {rows} examples, {valid} valid, from {declaration.source}")
    return dg.MaterializeResult(
        metadata={
            "instruction_set": name,
            "source": declaration.source,
            "rows": rows,
            "valid": valid,
            "invalid": rows - valid,
            "by_status_and_reason": dg.MetadataValue.md(markdown_table(summary)),
            "sample": dg.MetadataValue.md(markdown_table(
                store.query("instruction_examples_sample", {"instruction_set": name, "rows": 5})
            )),
        },
        check_results=[accounted_check(store, name)],
    )
