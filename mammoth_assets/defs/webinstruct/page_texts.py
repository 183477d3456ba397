"""`page_texts`: the text QA extraction reads, from each recalled page's WARC HTML (formulas as
TeX, then resiliparse's main content with lists, tables and code kept), with the WET text as
fallback; plus the page's schema.org QA pairs parsed from the HTML (JSON-LD / microdata)."""

from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core.decisions import registry
from mammoth_assets.core.page_text import CC_DATA_URL
from mammoth_assets.core.page_text.rows import page_rows
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    swap_partition,
    value_counts,
)
from mammoth_assets.warehouse import ParquetStager

PAGE_TEXT_SCHEMA = {
    "dump": pl.String, "doc_id": pl.String, "url": pl.String, "host": pl.String,
    "domain": pl.String, "language": pl.String, "title": pl.String, "wet_file": pl.String,
    "wet_record_id": pl.String, "warc_file": pl.String, "warc_record_id": pl.String,
    "text_source": pl.String, "fallback_reason": pl.String, "page_text": pl.String,
    "page_chars": pl.Int64, "structured_method": pl.String, "structured_pairs": pl.String,
    "structured_pair_count": pl.Int64, "decision": pl.String, "decision_detail": pl.String,
}  # fmt: skip


class PageTextsConfig(dg.Config):
    warc_base: str = Field(
        default="",
        description="Where warc_file paths resolve: a local mirror directory or an HTTP base "
        "(records are then fetched by byte range using the CC index). Empty: the sample mirror "
        "for CC-MAIN-SAMPLE, https://data.commoncrawl.org/ otherwise.",
    )
    parse_structured_data: bool = Field(
        default=True, description="Parse schema.org FAQPage/QAPage JSON-LD and microdata pairs."
    )
    batch_rows: int = Field(default=2000, description="Pages read per batch (bounds memory).")


def resolve_warc_base(config_base: str, dump: str, crawl_base: str | None = None) -> str:
    """Configured base; else where the crawl stage read the dump (`wet_files.base_url`); else the
    sample mirror for the sample dump and data.commoncrawl.org otherwise. file:// URIs become paths."""
    base = (
        config_base
        or crawl_base
        or (str(paths.sample_mirror_dir()) if dump == paths.SAMPLE_DUMP else CC_DATA_URL)
    )
    if base.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(base).path)
    return base


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=[dg.AssetKey("recalled_documents")],
    group_name="webinstruct",
    kinds={"duckdb", "python"},
    description="Extraction text of every recalled page: the main content of its WARC HTML "
    "(formulas as TeX; lists, tables, code kept) or the WET text as fallback, with schema.org QA "
    "pairs from the HTML.",
)
def page_texts(
    context: dg.AssetExecutionContext, config: PageTextsConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    part = shard_of(context)
    dump = part.dump
    wh = warehouse.get()
    require_table(wh, "recalled_documents", "recalled_documents")
    crawl_base = (
        wh.scalar("wet_files_base_url", {"dump": dump})
        if wh.table_exists("wet_files")
        else None
    )
    base = resolve_warc_base(config.warc_base, dump, crawl_base)
    stage = registry.PAGE_TEXTS
    writer = DecisionWriter(stage, ParquetStager(wh.staging_dir(stage.name, dump, part.shard)))
    sources, reasons, methods = Counter(), Counter(), Counter()
    sample: list[dict] = []
    for batch in wh.iter_batches(wh.sql(stage.inputs_sql), {"shard_key": part.key}, config.batch_rows):
        rows = page_rows(base, dump, batch.to_dicts(), config.parse_structured_data)
        frame = writer.write(pl.DataFrame(rows, schema=PAGE_TEXT_SCHEMA))
        sources.update(value_counts(frame, "text_source"))
        reasons.update(
            value_counts(frame.filter(pl.col("fallback_reason") != ""), "fallback_reason")
        )
        methods.update(
            value_counts(frame.filter(pl.col("structured_method") != ""), "structured_method")
        )
        if len(sample) < 5:
            sample.extend(frame.head(5 - len(sample)).to_dicts())
    written = swap_partition(wh, stage.name, part, writer.stager, PAGE_TEXT_SCHEMA)
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "warc_base": base,
        "rows": written,
        **writer.metadata(),
        "text_source": counts_markdown(dict(sources), "source"),
        "fallback_reasons": counts_markdown(dict(reasons)),
        "pages_with_structured_qa": counts_markdown(dict(methods), "method"),
        "sample": markdown_sample(
            pl.DataFrame(sample, schema=PAGE_TEXT_SCHEMA),
            ["doc_id", "url", "text_source", "structured_method", "page_chars", "page_text"],
        ),
    }
    plot = bar_plot(
        dict(sources) | {f"fallback: {k}": v for k, v in reasons.items()},
        "page text sources",
        f"page_texts-{dump}-{part.shard}.png",
    )
    if plot is not None:
        metadata["sources_plot"] = plot
    return dg.MaterializeResult(metadata=metadata)
