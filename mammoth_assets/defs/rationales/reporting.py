"""Metadata helpers for the rationales assets: markdown tables and PNG plots under the data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import dagster as dg

from mammoth_assets import paths
from mammoth_assets.defs.plots import embedded_png


def require_table(store: Any, table: str, instruction_set: str) -> None:
    """A clear failure instead of a DuckDB catalog error when an upstream table is missing."""
    if not store.table_exists(table):
        raise dg.Failure(
            f"table {table!r} does not exist: materialize `{table}` for instruction set "
            f"{instruction_set!r} first"
        )


def _cell(value: Any, width: int = 80) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ⏎ ").replace("\r", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int = 80) -> str:
    if not rows:
        return "_no rows_"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c), width) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def counts_table(counts: Mapping[str, int], key: str = "reason", value: str = "rows") -> str:
    rows = [{key: k, value: v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return markdown_table(rows, [key, value])


def plot_path(instruction_set: str, name: str) -> Path:
    return paths.artifacts_dir("rationales", instruction_set) / name


def verification_plot(verdicts: Mapping[str, int], durations: Sequence[float], path: Path) -> dg.MetadataValue | None:
    """Verdict counts beside the execution-time histogram, as one PNG."""
    if not verdicts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    items = sorted(verdicts.items(), key=lambda kv: kv[1])
    left.barh([k for k, _ in items], [v for _, v in items], color="#4c72b0")
    left.set_title("programs by verdict")
    left.set_xlabel("programs")
    if durations:
        right.hist(durations, bins=min(30, max(5, len(durations) // 3)), color="#55a868")
    right.set_title("execution wall time")
    right.set_xlabel("seconds")
    right.set_ylabel("programs")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return embedded_png(path, "verification")
