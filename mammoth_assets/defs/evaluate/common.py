"""What the evaluation assets share: the partition key's parts and the markdown sample table."""

from typing import Any, Sequence

import dagster as dg
import polars as pl


def partition_parts(context: dg.AssetExecutionContext) -> tuple[str, str, str]:
    key = context.partition_key
    dims = key.keys_by_dimension
    return str(key), dims["checkpoint"], dims["benchmark"]


def markdown_sample(frame: pl.DataFrame, columns: Sequence[str], rows: int) -> str:
    sample = frame.select([c for c in columns if c in frame.columns]).head(rows)

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = text.replace("|", "\\|").replace("\n", " ⏎ ")
        return text if len(text) <= 120 else text[:117] + "..."

    lines = ["| " + " | ".join(sample.columns) + " |", "|" + "---|" * len(sample.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in sample.iter_rows()]
    return "\n".join(lines)
