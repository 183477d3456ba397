"""Asset metadata for the crawl stage: counts, reasons, throughput, a sample table and a plot."""

from __future__ import annotations

import math
from pathlib import Path

import dagster as dg
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core.crawl_ingest import ShardScan
from mammoth_assets.defs.plots import embedded_png
from mammoth_assets.warehouse import Warehouse

MB = 1_000_000


def markdown_table(frame: pl.DataFrame, limit: int = 10) -> str:
    if frame.is_empty():
        return "_(no rows)_"
    rows = frame.head(limit).to_dicts()
    columns = frame.columns

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")[:120]

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return "\n".join(lines)


def counts_table(counts: dict[str, int], key: str = "reason") -> str:
    if not counts:
        return "_(none)_"
    return markdown_table(pl.DataFrame({key: list(counts), "records": list(counts.values())}).sort("records", descending=True), 50)


def shard_metadata(wh: Warehouse, part, scan: ShardScan) -> dict[str, object]:
    """Counts, reasons, throughput, languages, a sample table and a plot for one shard."""
    compressed = sum(r.compressed_bytes for r in scan.files)
    text_bytes = sum(r.text_bytes for r in scan.files)
    elapsed, cpu = scan.seconds, scan.cpu_seconds
    languages = wh.query("web_documents_profile", {"shard_key": part.key})
    metadata: dict[str, object] = {
        "dump": part.dump,
        "shard": part.shard,
        "dagster/row_count": scan.documents,
        "documents": scan.documents,
        "records_seen": scan.records,
        "rejected": scan.rejected,
        "rejected_by_reason": dg.MetadataValue.md(counts_table(scan.reasons())),
        "texts_kept": scan.texts,
        "files_read": len(scan.files),
        "files_failed": sum(1 for r in scan.files if r.error),
        "downloads_deleted_after_read": sum(1 for r in scan.files if r.deleted_after_read),
        "compressed_mb": round(compressed / MB, 3),
        "text_mb": round(text_bytes / MB, 3),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "docs_per_s": round(scan.documents / elapsed, 1) if elapsed else 0.0,
        "docs_per_cpu_s": round(scan.documents / cpu, 1) if cpu else 0.0,
        "compressed_mb_per_s": round(compressed / MB / elapsed, 3) if elapsed else 0.0,
        "downloads_resumed": sum(r.resumed for r in scan.files),
        "languages": dg.MetadataValue.md(markdown_table(languages, 15)),
        "sample": dg.MetadataValue.md(markdown_table(wh.query("web_documents_sample", {"shard_key": part.key, "limit": 8}), 8)),
    }
    plot = documents_plot(wh, part, languages)
    if plot is not None:
        metadata["profile_plot"] = embedded_png(plot, "document profile")
        metadata["profile_plot_path"] = dg.MetadataValue.path(str(plot))
    return metadata


def documents_plot(wh: Warehouse, part, languages: pl.DataFrame) -> Path | None:
    """Document length histogram (log scale) beside documents per language."""
    dump = f"{part.dump} shard {part.shard}"
    lengths = wh.query("web_documents_lengths", {"shard_key": part.key})["length_chars"].to_list()
    if not lengths:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    low, high = math.floor(math.log10(max(min(lengths), 1)) * 4), math.ceil(math.log10(max(max(lengths), 10)) * 4)
    bins = [10 ** (k / 4) for k in range(low, high + 1)]
    left.hist([max(n, 1) for n in lengths], bins=bins, color="#4C72B0")
    left.set_xscale("log")
    left.set_xlabel("characters per document")
    left.set_ylabel("documents")
    left.set_title(f"{dump}: document length")
    head = languages.head(12)
    right.bar(head["language"].to_list(), head["documents"].to_list(), color="#55A868")
    right.set_title("documents per language")
    right.tick_params(axis="x", rotation=45)
    figure.tight_layout()
    target = paths.artifacts_dir("plots", "crawl") / f"web_documents-{part.dump}-{part.shard}.png"
    figure.savefig(target, dpi=90)
    plt.close(figure)
    return target
