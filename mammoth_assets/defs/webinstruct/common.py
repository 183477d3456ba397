"""Helpers shared by the WebInstruct assets: metadata tables, plots, the LLM resource handle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.defs.plots import embedded_png

SAMPLE_ROWS = 5
CELL_CHARS = 90


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def markdown_sample(
    frame: pl.DataFrame, columns: Iterable[str], rows: int = SAMPLE_ROWS
) -> dg.MetadataValue:
    columns = [c for c in columns if c in frame.columns]
    if frame.is_empty() or not columns:
        return dg.MetadataValue.md("_no rows_")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.head(rows).select(columns).iter_rows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def counts_markdown(counts: Mapping[str, int], key: str = "reason") -> dg.MetadataValue:
    if not counts:
        return dg.MetadataValue.md("_none_")
    lines = [f"| {key} | rows |", "|---|---:|"]
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        lines.append(f"| {_cell(name)} | {count} |")
    return dg.MetadataValue.md("\n".join(lines))


def value_counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if frame.is_empty() or column not in frame.columns:
        return {}
    counted = frame.group_by(column).len()
    return {str(k if k is not None else ""): int(n) for k, n in counted.iter_rows()}


def plots_dir() -> Path:
    path = paths.data_dir() / "plots" / "webinstruct"
    path.mkdir(parents=True, exist_ok=True)
    return path


def bar_plot(
    counts: Mapping[str, int], title: str, filename: str, keep_order: bool = False
) -> dg.MetadataValue | None:
    """A horizontal bar chart PNG under the data dir, shown in the UI as markdown."""
    if not counts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = (
        list(counts.items())[::-1]
        if keep_order
        else sorted(counts.items(), key=lambda kv: kv[1])[-20:]
    )
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(items) + 1.2))
    axes.barh([_cell(k)[:40] for k, _ in items], [v for _, v in items], color="#4c72b0")
    axes.set_title(title)
    axes.set_xlabel("rows")
    figure.tight_layout()
    path = plots_dir() / filename
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return embedded_png(path, title)


def histogram_plot(
    values: list[float], title: str, filename: str, bins: int = 20
) -> dg.MetadataValue | None:
    if not values:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    axes.hist(values, bins=bins, range=(0, 1), color="#55a868")
    axes.set_title(title)
    axes.set_ylabel("pairs")
    figure.tight_layout()
    path = plots_dir() / filename
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return embedded_png(path, title)


def usage_metadata(llm: Any, responses: list, prefix: str) -> dict[str, Any]:
    """Token usage of an LLM stage (the resource's own summary when it offers one)."""
    summary = llm.usage_metadata(responses) if hasattr(llm, "usage_metadata") else {}
    out: dict[str, Any] = {}
    for key, value in dict(summary or {}).items():
        out[f"{prefix}{key}"] = value
    out[f"{prefix}prompt_tokens_total"] = int(sum(r.prompt_tokens for r in responses))
    out[f"{prefix}completion_tokens_total"] = int(sum(r.completion_tokens for r in responses))
    out[f"{prefix}requests"] = len(responses)
    out[f"{prefix}cached_responses"] = int(sum(bool(r.cached) for r in responses))
    return out


def model_label(llm: Any) -> str:
    for attribute in ("model_id", "model", "model_name"):
        value = getattr(llm, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(llm).__name__


def swap_partition(wh, table: str, part, stager, schema: Mapping[str, Any]) -> int:
    """Swap a staged shard partition in (rows gain `shard` and `shard_key`); with no staged rows,
    still create the (empty) table so the next stage reads zero rows instead of failing on a
    missing table."""
    from mammoth_assets.warehouse import identifier

    table = identifier(table)
    empty = pl.DataFrame(schema=dict(schema)).with_columns(
        pl.lit(part.shard).alias("shard"), pl.lit(part.key).alias("shard_key")
    )
    quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in stager.files)
    with wh.transaction() as con:  # DuckDB streams the staged files: memory stays bounded
        con.register("_empty", empty.to_arrow())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _empty")
        add_missing_columns(con, table, "_empty")
        con.execute(f"DELETE FROM {table} WHERE shard_key = $k", {"k": part.key})
        if stager.files:
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT *, $shard AS shard, $k AS shard_key "
                f"FROM read_parquet([{quoted}], union_by_name = true)",
                {"shard": part.shard, "k": part.key},
            )
        written = con.execute(f"SELECT count(*) FROM {table} WHERE shard_key = $k", {"k": part.key}).fetchone()[0]
    stager.cleanup()
    return written


def add_missing_columns(con, table: str, source: str) -> None:
    """Columns a newer schema added (e.g. `decision`, `decision_detail`) are added to a table an
    older version created, so an existing warehouse keeps working; its old rows hold NULL there
    (the reconciliation check names them) until their partition is materialized again."""
    have = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, dtype, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {dtype}')


def require_table(wh, table: str, produced_by: str) -> None:
    if not wh.table_exists(table):
        raise dg.Failure(
            f"input table {table!r} does not exist: materialize `{produced_by}` for this partition first",
            metadata={"missing_table": table},
        )
