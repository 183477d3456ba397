"""`wet_files` and `web_documents`: which files of a dump to read, and their text documents."""

import os

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core import safe_paths
from mammoth_assets.core.redaction import redact, redact_url, url_has_credentials
from mammoth_assets.core.crawl_ingest import DOCUMENT_SCHEMA
from mammoth_assets.core.shards import DEFAULT_FILES_PER_SHARD, assign_shards, shard_count, shard_names
from mammoth_assets.core.sample_dump import ensure_sample_mirror
from mammoth_assets.defs.crawl import reporting
from mammoth_assets.defs.partitions import cc_dump_partitions, shard_partitions
from mammoth_assets.defs.resources import WarehouseResource

GROUP = "crawl"
WET_FILES_SCHEMA = {"dump": pl.String, "file_index": pl.Int64, "shard": pl.String, "wet_file": pl.String,
                    "warc_file": pl.String, "base_url": pl.String, "url": pl.String}
ENV_BASE_URL = "MAMMOTH_CC_BASE_URL"


def resolve_base_url(configured: str, dump: str) -> str:
    """Configured URL/path; else the bundled mirror for the sample dump (built on first use);
    else $MAMMOTH_CC_BASE_URL or https://data.commoncrawl.org/."""
    if configured:
        return cc.normalize_base_url(configured)
    if dump == paths.SAMPLE_DUMP:
        return cc.normalize_base_url(ensure_sample_mirror())
    return cc.normalize_base_url(os.environ.get(ENV_BASE_URL) or cc.DEFAULT_BASE_URL)


def _column_schema(schema: dict, descriptions: dict[str, str]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name, str(dtype), description=descriptions.get(name, "")) for name, dtype in schema.items()]
    )


DOCUMENT_COLUMNS = _column_schema(
    DOCUMENT_SCHEMA,
    {
        "dump": "partition key (Common Crawl dump id)",
        "shard": "shard of the dump (files_per_shard consecutive WET files of wet.paths.gz)",
        "shard_key": "<dump>|<shard>: the cc_dump x shard partition the row belongs to",
        "doc_id": "sha1 of dump and WET record id",
        "domain": "registered domain (public suffix list bundled with tldextract)",
        "language": "ISO 639-1 where one exists: WET header, else resiliparse detection",
        "file_index": "position of the WET file in wet.paths.gz (wet_files has its name and WARC file)",
        "wet_offset": "byte offset of the record's gzip member in the WET file",
    },
)


class WetFilesConfig(dg.Config):
    base_url: str = Field(
        default="",
        description="Mirror holding crawl-data/<dump>/wet.paths.gz: https://, file:// or a path. Empty: "
        "the bundled sample mirror for CC-MAIN-SAMPLE, else $MAMMOTH_CC_BASE_URL or https://data.commoncrawl.org/.",
    )
    sample_files: int = Field(default=0, ge=0, description="Read this many files, chosen at random (0 = every file).")
    sample_seed: int = Field(default=0, description="Seed of the random file sample.")
    files_per_shard: int = Field(
        default=DEFAULT_FILES_PER_SHARD, ge=1,
        description="Consecutive selected WET files per shard (the unit of work of the per-document stages).",
    )


@dg.asset(
    partitions_def=cc_dump_partitions,
    group_name=GROUP,
    kinds={"duckdb", "python"},
    description="The WET files of a Common Crawl dump to read (all, or a random sample), each with its "
    "matching WARC file, full URL and shard; registers the dump's shards as `shard` partitions.",
    metadata={"dagster/column_schema": _column_schema(WET_FILES_SCHEMA, {"file_index": "position in wet.paths.gz",
                                                                         "shard": "shard of the file"})},
)
def wet_files(context: dg.AssetExecutionContext, config: WetFilesConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    dump = dump_key(context)
    base_url = resolve_base_url(config.base_url, dump)
    if url_has_credentials(base_url):
        raise dg.Failure(
            description=f"the mirror URL {redact_url(base_url)} carries credentials, which would be stored in "
            "wet_files and shown in the UI: put them in ~/.netrc (or $NETRC) and give the URL without them",
            allow_retries=False,
        )
    try:
        plan = cc.plan_wet_files(dump, base_url, config.sample_files, config.sample_seed)
    except cc.CommonCrawlError as error:
        raise dg.Failure(
            description=redact(f"cannot list the WET files of {dump} under {redact_url(base_url)}: {error}"),
            metadata={"dump": dump, "base_url": redact_url(base_url)},
        ) from error
    if plan.warc_listing_error:
        context.log.warning(f"no warc.paths.gz for {dump} ({plan.warc_listing_error}); WARC names derived from WET names")
    shards = assign_shards(len(plan.rows), config.files_per_shard)
    frame = pl.DataFrame([{**row, "shard": s} for row, s in zip(plan.rows, shards)], schema=WET_FILES_SCHEMA)
    wh = warehouse.get()
    relaid = layout_changed(wh, dump, frame)
    if relaid:
        context.log.warning(f"{dump}: the file -> shard layout changed; its per-shard rows are dropped and "
                            "every shard must be crawled again")
        drop_dump_shards(wh, dump)
    stored = wh.replace_partition("wet_files", "dump", dump, frame)
    count = shard_count(stored, config.files_per_shard)
    register_shards(context.instance, count)
    return dg.MaterializeResult(
        metadata={
            "dump": dump,
            "base_url": redact_url(base_url),
            "files_listed": plan.listed,
            "files_selected": stored,
            "files_per_shard": config.files_per_shard,
            "layout_changed": relaid,
            "shards": count,
            "files_without_warc": int(frame["warc_file"].null_count()),
            "files": dg.MetadataValue.md(reporting.markdown_table(frame.select("file_index", "wet_file", "warc_file"), 20)),
        }
    )




def dump_key(context: dg.AssetExecutionContext) -> str:
    """The run's cc_dump key, refused with a clear error unless it is a Common Crawl dump id (a key
    can be typed into the UI; it becomes directory and URL parts)."""
    try:
        return safe_paths.dump_id(context.partition_key)
    except safe_paths.UnsafeNameError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error


def register_shards(instance: dg.DagsterInstance, count: int) -> None:
    """Make sure the `shard` dimension has keys 00000 .. count-1 (shared by every dump)."""
    known = set(instance.get_dynamic_partitions(shard_partitions.name))
    missing = [name for name in shard_names(count) if name not in known]
    if missing:
        instance.add_dynamic_partitions(shard_partitions.name, missing)


# Tables holding rows per (dump, shard): a new shard layout makes their rows of the dump stale.
PER_SHARD_TABLES = (
    "web_documents", "web_document_texts", "web_documents_rejects", "web_documents_files",
    "recall_scores_round1", "recalled_documents", "page_texts", "decontaminated_documents",
    "extracted_qa_pages", "extracted_qa", "refined_qa",
)


def layout_changed(wh, dump: str, frame: pl.DataFrame) -> bool:
    if not wh.table_exists("wet_files"):
        return False
    before = wh.query("wet_files_layout", {"dump": dump})
    if before.is_empty():
        return False
    return not before.equals(frame.select("wet_file", "shard").sort("wet_file"))


def drop_dump_shards(wh, dump: str) -> None:
    from mammoth_assets.warehouse import identifier

    with wh.transaction() as con:
        for table in PER_SHARD_TABLES:
            if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = $t", {"t": table}).fetchone()[0]:
                con.execute(f"DELETE FROM {identifier(table)} WHERE dump = $dump", {"dump": dump})
