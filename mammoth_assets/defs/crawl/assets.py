"""`wet_files` and `web_documents`: which files of a dump to read, and their text documents."""

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core import safe_paths
from mammoth_assets.core.redaction import redact, redact_url, url_has_credentials
from mammoth_assets.core.crawl_ingest import (
    DOCUMENT_SCHEMA,
    FILE_SCHEMA,
    FileIngestResult,
    IngestSettings,
    ingest_wet_file,
)
from mammoth_assets.core.sample_dump import ensure_sample_mirror
from mammoth_assets.defs.crawl import reporting
from mammoth_assets.defs.partitions import cc_dump_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse

GROUP = "crawl"
WET_FILES_SCHEMA = {"dump": pl.String, "file_index": pl.Int64, "wet_file": pl.String,
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
        "doc_id": "sha1 of dump and WET record id",
        "domain": "registered domain (public suffix list bundled with tldextract)",
        "language": "ISO 639-1 where one exists: WET header, else resiliparse detection",
        "title": "first line of the WET text when short enough to be a title",
        "text": "WET text, NFC, control characters removed",
        "wet_offset": "byte offset of the record's gzip member in the WET file",
        "warc_record_id": "WARC-Refers-To: the response record in warc_file",
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


@dg.asset(
    partitions_def=cc_dump_partitions,
    group_name=GROUP,
    kinds={"duckdb", "python"},
    description="The WET files of a Common Crawl dump to read (all, or a random sample), each with its "
    "matching WARC file and full URL.",
    metadata={"dagster/column_schema": _column_schema(WET_FILES_SCHEMA, {"file_index": "position in wet.paths.gz"})},
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
    frame = pl.DataFrame(plan.rows, schema=WET_FILES_SCHEMA)
    stored = warehouse.get().replace_partition("wet_files", "dump", dump, frame)
    return dg.MaterializeResult(
        metadata={
            "dump": dump,
            "base_url": redact_url(base_url),
            "files_listed": plan.listed,
            "files_selected": stored,
            "files_without_warc": int(frame["warc_file"].null_count()),
            "files": dg.MetadataValue.md(reporting.markdown_table(frame.select("file_index", "wet_file", "warc_file"), 20)),
        }
    )


class WebDocumentsConfig(dg.Config):
    max_record_bytes: int = Field(
        default=cc.DEFAULT_MAX_RECORD_BYTES, gt=0,
        description="WET records with more text bytes than this are rejected as too_large (CC truncates at 1 MiB).",
    )
    workers: int = Field(default=1, ge=1, description="Processes reading WET files in parallel.")
    batch_rows: int = Field(default=5000, gt=0, description="Documents per staged Parquet part (bounds memory).")
    quirks_mode: bool = Field(
        default=False, description="FastWARC lenient parsing (reads LF-only files, but may skip garbage silently)."
    )
    download_attempts: int = Field(default=6, ge=1, description="HTTP attempts per file (retries with backoff, resume).")
    timeout_s: float = Field(default=60.0, gt=0, description="HTTP timeout per request.")
    keep_downloads: bool = Field(
        default=True,
        description="Keep downloaded WET files in the cache under the data dir (False: delete each once read, "
        "for whole dumps that would not fit on disk).",
    )

    def settings(self) -> IngestSettings:
        return IngestSettings(
            max_record_bytes=self.max_record_bytes,
            batch_rows=self.batch_rows,
            quirks_mode=self.quirks_mode,
            retry=cc.RetryPolicy(attempts=self.download_attempts, timeout_s=self.timeout_s),
            keep_downloads=self.keep_downloads,
        )


@dg.asset(
    partitions_def=cc_dump_partitions,
    deps=[wet_files],
    group_name=GROUP,
    kinds={"duckdb", "python"},
    description="Text documents of a dump from its WET conversion records: url, host, registered domain, "
    "language, title, text, length and provenance (WET/WARC file, record ids, byte offset). Records that "
    "cannot become documents go to web_documents_rejects with a reason; per-file counts to web_documents_files.",
    metadata={"dagster/column_schema": DOCUMENT_COLUMNS},
)
def web_documents(
    context: dg.AssetExecutionContext, config: WebDocumentsConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    dump = dump_key(context)
    wh = warehouse.get()
    files = wh.query("crawl_wet_files_of_dump", {"dump": dump}) if wh.table_exists("wet_files") else pl.DataFrame()
    if files.is_empty():
        raise dg.Failure(description=f"wet_files has no files for {dump}: materialize wet_files for this partition first")
    staging = _fresh_dir(wh.staging_dir("web_documents", dump))
    started = time.perf_counter()
    results = _ingest_files(context, dump, files, staging, config)
    elapsed = time.perf_counter() - started
    stored = _swap_in(wh, dump, results, staging)
    safe_paths.remove_tree(staging.parent, staging)
    return dg.MaterializeResult(metadata=reporting.documents_metadata(wh, dump, results, stored, elapsed))


def dump_key(context: dg.AssetExecutionContext) -> str:
    """The run's cc_dump key, refused with a clear error unless it is a Common Crawl dump id (a key
    can be typed into the UI; it becomes directory and URL parts)."""
    try:
        return safe_paths.dump_id(context.partition_key)
    except safe_paths.UnsafeNameError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error


def _fresh_dir(path: Path) -> Path:
    safe_paths.remove_tree(path.parent, path)
    path.mkdir(parents=True)
    return path


def _ingest_files(
    context: dg.AssetExecutionContext, dump: str, files: pl.DataFrame, staging: Path, config: WebDocumentsConfig
) -> list[FileIngestResult]:
    settings = config.settings()
    jobs = [
        (dump, row["base_url"], row["wet_file"], row["warc_file"], str(staging / f"{row['file_index']:06d}"), settings)
        for row in files.iter_rows(named=True)
    ]
    results: list[FileIngestResult] = []

    def report(result: FileIngestResult) -> None:
        results.append(result)
        context.log.info(
            f"[{len(results)}/{len(jobs)}] {result.wet_file}: {result.documents} documents, "
            f"{result.rejected} rejected {result.reasons or ''} in {result.seconds:.1f}s"
            + (f" ERROR {result.error}" if result.error else "")
        )

    if config.workers == 1 or len(jobs) == 1:
        for job in jobs:
            report(ingest_wet_file(*job))
    else:
        with ProcessPoolExecutor(config.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for result in pool.map(ingest_wet_file, *zip(*jobs)):
                report(result)
    return results


def _swap_in(wh: Warehouse, dump: str, results: list[FileIngestResult], staging: Path) -> int:
    """Replace the dump's rows in web_documents, its rejects and file counts in one transaction."""
    file_stats = staging / "files.parquet"
    pl.DataFrame([r.file_row() for r in results], schema=FILE_SCHEMA).write_parquet(file_stats)
    parts = {
        "web_documents": [p for r in results for p in r.document_parts],
        "web_documents_rejects": [p for r in results for p in r.reject_parts],
        "web_documents_files": [str(file_stats)],
    }
    with wh.transaction() as con:
        for table, files in parts.items():
            con.execute(wh.sql(f"crawl_{table}_create"))
            con.execute(wh.sql(f"crawl_{table}_delete"), {"dump": dump})
            if files:
                con.execute(wh.sql(f"crawl_{table}_insert"), {"dump": dump, "files": files})
        return con.execute(wh.sql("crawl_partition_document_count"), {"dump": dump}).fetchone()[0]
