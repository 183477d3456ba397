"""Helpers shared by the recall assets: named SQL in one transaction, plots, markdown, labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import dagster as dg
import numpy as np
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import recall as recall_core
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.warehouse import Warehouse

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def bound(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of `params` that `sql` uses (DuckDB rejects unused named parameters)."""
    names = set(_PARAM.findall(sql))
    missing = names - set(params)
    if missing:
        raise KeyError(f"SQL needs parameters {sorted(missing)}")
    return {name: params[name] for name in names}


def run_statements(warehouse: Warehouse, names: Sequence[str], params: Mapping[str, Any]) -> None:
    """Run several named SQL files (one statement each) in one transaction: all or nothing."""
    with warehouse.transaction() as con:
        for name in names:
            text = warehouse.sql(name)
            con.execute(text, bound(text, params))


def query(warehouse: Warehouse, name: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
    text = warehouse.sql(name)
    return warehouse.query_text(text, bound(text, params or {}))


def batches(warehouse: Warehouse, name: str, params: Mapping[str, Any], batch_rows: int):
    text = warehouse.sql(name)
    return warehouse.iter_batches(text, bound(text, params), batch_rows=batch_rows)


def plot_path(name: str) -> Path:
    directory = paths.data_dir() / "plots" / "recall"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}.png"


def image_md(path: Path) -> dg.MetadataValue:
    return embedded_png(path, path.stem)


def markdown_table(frame: pl.DataFrame, max_cell: int = 80) -> dg.MetadataValue:
    if not frame.height:
        return dg.MetadataValue.md("_(no rows)_")
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = " ".join(text.split()).replace("|", "\\|")
        return text[:max_cell]

    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return dg.MetadataValue.md("\n".join([header, rule, *rows]))


def labels_file(dump: str, configured: str) -> Path | None:
    """Ground-truth labels for a dump, when a generator wrote some (the sample dump does).
    Used only for reporting: no pipeline decision ever reads them."""
    path = Path(configured) if configured else paths.sample_mirror_dir() / "crawl-data" / dump / "sample-labels.jsonl"
    return path if path.is_file() else None


def read_educational_labels(path: Path) -> dict[str, bool]:
    labels = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if "url" in record and "educational" in record:
                    labels[record["url"]] = bool(record["educational"])
    return labels


def ground_truth_metrics(
    warehouse: Warehouse, table: str, part, labels_path: Path | None
) -> dict[str, Any]:
    """Precision/recall of the stored kept decisions against generator labels (joined by URL)."""
    if labels_path is None:
        return {}
    labels = read_educational_labels(labels_path)
    decisions = query(warehouse, "recall_partition_urls_kept", {"table": table, "shard_key": part.key})
    decisions = decisions.filter(pl.col("url").is_in(list(labels)))
    if not decisions.height:
        return {"ground_truth_labelled_docs": 0}
    truth = np.array([labels[u] for u in decisions["url"].to_list()], dtype=bool)
    metrics = recall_core.binary_metrics(
        decisions["kept"].cast(pl.Float64).to_numpy(), truth, threshold=0.5
    )
    return {
        "ground_truth_labels_file": dg.MetadataValue.path(str(labels_path)),
        "ground_truth_labelled_docs": decisions.height,
        "ground_truth_precision": round(metrics.precision, 4),
        "ground_truth_recall": round(metrics.recall, 4),
        "ground_truth_f1": round(metrics.f1, 4),
    }
