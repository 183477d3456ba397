"""`recall_seeds`: positive seeds (seed domains, seed file) and random negatives, across dumps."""


from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets import paths
from mammoth_assets.core.recall import DEFAULT_MAX_CHARS
from mammoth_assets.core.recall_seeds import (
    SeedInputError,
    normalize_domains,
    read_seed_domains,
    read_seed_file,
)
from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import ParquetStager, Warehouse

SEEDS_SCHEMA = {
    "seed_id": pl.String,
    "label": pl.String,
    "source": pl.String,
    "dump": pl.String,
    "doc_id": pl.String,
    "domain": pl.String,
    "url": pl.String,
    "text": pl.String,
    "status": pl.String,
    "reason": pl.String,
}


class RecallSeedsConfig(dg.Config):
    """Where positives come from and how many seeds to take (paper: 100K positive, 100K negative)."""

    seed_domains: list[str] = Field(default=[], description="Registered domains (or URLs) whose pages are positives.")
    seed_domains_file: str = Field(default="", description="File with one seed domain per line ('#' comments).")
    auto_seed_domains: bool = Field(
        default=True,
        description="Also read <mirror>/crawl-data/<dump>/seed-domains.txt for dumps that have one (the sample dump does).",
    )
    seed_file: str = Field(default="", description="JSONL/Parquet of positive examples: a 'text' or a 'url' per record.")
    num_positives: int = Field(default=100_000, ge=1)
    num_negatives: int = Field(default=100_000, ge=0)
    negative_ratio: float = Field(default=0.0, ge=0.0, description="If > 0: negatives = ratio x positives (overrides num_negatives).")
    dumps: list[str] = Field(default=[], description="Dumps to draw from; empty = every dump in wet_files.")
    seed_files_per_dump: int = Field(
        default=64, ge=0,
        description="WET files read per dump for seeds (a stable random choice; 0 = all). Seeds come before the "
        "round-1 classifier, which scores the dump in the same pass that reads it, so they are drawn from "
        "their own sample of files.",
    )
    negative_pool_rate: float = Field(
        default=0.01, gt=0, le=1,
        description="Stable random fraction of the sampled pages kept as negative candidates (bounds staging).",
    )
    max_chars: int = Field(default=DEFAULT_MAX_CHARS, ge=100, description="Text kept per seed (the classifier reads no more).")
    seed: int = Field(default=0, description="Sampling seed: same seed, same seeds.")


def _seed_domains(config: RecallSeedsConfig, warehouse: Warehouse) -> tuple[list[str], list[str]]:
    domains = list(config.seed_domains)
    sources = [f"config ({len(config.seed_domains)})"] if config.seed_domains else []
    files = [Path(config.seed_domains_file)] if config.seed_domains_file else []
    if config.auto_seed_domains:
        dumps = config.dumps or _common.query(warehouse, "wet_files_dumps")["dump"].to_list()
        for dump in dumps:
            candidate = paths.sample_mirror_dir() / "crawl-data" / dump / "seed-domains.txt"
            if candidate.is_file():
                files.append(candidate)
    for file in files:
        found = read_seed_domains(file)
        domains += found
        sources.append(f"{file} ({len(found)})")
    return normalize_domains(domains), sources


def _frame(rows: pl.DataFrame, label: str, source: str) -> pl.DataFrame:
    return rows.select(
        (pl.lit(f"{source}:") + pl.col("dump") + pl.lit(":") + pl.col("doc_id")).alias("seed_id"),
        pl.lit(label).alias("label"),
        pl.lit(source).alias("source"),
        "dump",
        "doc_id",
        "domain",
        "url",
        "text",
        pl.lit("kept").alias("status"),
        pl.lit(None, dtype=pl.String).alias("reason"),
    ).cast(SEEDS_SCHEMA)


def _seed_file_rows(config: RecallSeedsConfig, warehouse: Warehouse, pool: list[str]) -> pl.DataFrame:
    """Seed-file records: texts are positives as they are; URLs are looked up among the pages read
    for seeds and recorded as rejected ('url_not_in_seed_files') when no page read matches."""
    if not config.seed_file:
        return pl.DataFrame(schema=SEEDS_SCHEMA)
    records = read_seed_file(config.seed_file)
    rejected = records.filter(pl.col("status") == "rejected")
    usable = records.filter(pl.col("status") == "usable")
    texts = usable.filter(pl.col("text").is_not_null())
    urls = usable.filter(pl.col("text").is_null())
    matches = _common.query(
        warehouse,
        "recall_seed_url_matches",
        {"urls": urls["url"].to_list(), "dumps": config.dumps, "max_chars": config.max_chars, "files": pool},
    )
    # The seed file's (null) text column must not shadow the matched page's text.
    matched_urls = urls.drop("text").join(matches, on="url", how="inner")
    unmatched = urls.join(matches.select("url"), on="url", how="anti")
    none = pl.lit(None, dtype=pl.String)
    parts = [
        texts.select(
            (pl.lit("seed_file:") + pl.col("seed_ref")).alias("seed_id"), pl.lit("positive").alias("label"),
            pl.lit("seed_file_text").alias("source"), none.alias("dump"), none.alias("doc_id"),
            none.alias("domain"), "url", pl.col("text").str.slice(0, config.max_chars),
            pl.lit("kept").alias("status"), none.alias("reason"),
        ),
        matched_urls.select(
            (pl.lit("seed_file:") + pl.col("seed_ref")).alias("seed_id"), pl.lit("positive").alias("label"),
            pl.lit("seed_file_url").alias("source"), "dump", "doc_id", "domain", "url", "text",
            pl.lit("kept").alias("status"), none.alias("reason"),
        ),
        unmatched.select(
            (pl.lit("seed_file:") + pl.col("seed_ref")).alias("seed_id"), pl.lit("positive").alias("label"),
            pl.lit("seed_file_url").alias("source"), none.alias("dump"), none.alias("doc_id"), none.alias("domain"),
            "url", none.alias("text"), pl.lit("rejected").alias("status"),
            pl.lit("url_not_in_seed_files").alias("reason"),
        ),
        rejected.select(
            (pl.lit("seed_file:") + pl.col("seed_ref")).alias("seed_id"), pl.lit("positive").alias("label"),
            pl.lit("seed_file").alias("source"), none.alias("dump"), none.alias("doc_id"), none.alias("domain"),
            "url", none.alias("text"), "status", "reason",
        ),
    ]
    return pl.concat([p.cast(SEEDS_SCHEMA) for p in parts])


POOL_SCHEMA = {"dump": pl.String, "doc_id": pl.String, "domain": pl.String, "url": pl.String,
               "text": pl.String, "length_chars": pl.Int64}


def _seed_pool(wh: Warehouse, config: RecallSeedsConfig, domains: list[str], urls: list[str], log) -> tuple[list[str], int]:
    """Read a stable sample of each dump's WET files; stage seed-domain pages, seed-file URL
    matches and a stable random fraction of the other pages (negative candidates). Returns the
    staged Parquet files and the number of files read."""
    from mammoth_assets.core.crawl_ingest import IngestSettings, StagingParts, in_text_sample, iter_shard_documents
    from mammoth_assets.core.shards import files_of

    dumps = config.dumps or _common.query(wh, "wet_files_dumps")["dump"].to_list()
    staging = wh.staging_dir("recall_seeds", "pool")
    for stale in staging.rglob("*.parquet"):
        stale.unlink()
    pool = StagingParts(staging)
    rejects = StagingParts(wh.staging_dir("recall_seeds", "pool_rejects"))
    read = 0
    for dump in dumps:
        files = wh.query("wet_files_for_seeds", {"dump": dump, "limit": config.seed_files_per_dump or 1 << 40, "seed": str(config.seed)})
        read += files.height
        for batch in iter_shard_documents(dump, "seeds", files_of(files.to_dicts()), IngestSettings(), [], rejects):
            wanted = (
                pl.col("domain").is_in(domains) | pl.col("url").is_in(urls) | in_text_sample(config.negative_pool_rate)
            )
            pool.write(batch.filter(wanted).with_columns(pl.col("text").str.slice(0, config.max_chars)).select(list(POOL_SCHEMA)))
        log.info(f"seeds: read {files.height} WET files of {dump}")
    rejects.cleanup()
    if not pool.files:
        empty = staging / "part-empty.parquet"
        pl.DataFrame(schema=POOL_SCHEMA).write_parquet(empty)
        pool.files.append(empty)
    return [str(f) for f in pool.files], read


@dg.asset(
    deps=["wet_files"],
    group_name="recall",
    kinds={"duckdb"},
    description="Positive seeds (seed domains and/or a seed file) and random negatives, across dumps, from a "
    "stable sample of each dump's WET files.",
)
def recall_seeds(context: dg.AssetExecutionContext, config: RecallSeedsConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    try:
        domains, domain_sources = _seed_domains(config, wh)
        seed_urls = read_seed_file(config.seed_file)["url"].drop_nulls().to_list() if config.seed_file else []
        pool, files_read = _seed_pool(wh, config, domains, seed_urls, context.log)
        file_rows = _seed_file_rows(config, wh, pool)
    except SeedInputError as error:
        raise dg.Failure(description=f"recall_seeds: {error}") from error
    if not domains and not config.seed_file:
        raise dg.Failure(
            description="recall_seeds needs positives: set seed_domains, seed_domains_file or seed_file "
            "(no seed-domains.txt was found in the mirror for these dumps)."
        )
    stager = ParquetStager(wh.staging_dir("recall_seeds"))
    kept_file = file_rows.filter(pl.col("status") == "kept")
    over_cap = kept_file.slice(config.num_positives)
    kept_file = kept_file.head(config.num_positives)
    over_cap = over_cap.with_columns(pl.lit("rejected").alias("status"), pl.lit("over_positive_cap").alias("reason"))
    stager.write(file_rows.filter(pl.col("status") != "kept"))
    stager.write(kept_file)
    stager.write(over_cap)
    positive_keys = [f"{d}:{i}" for d, i in zip(kept_file["dump"], kept_file["doc_id"]) if d is not None]
    positives = kept_file.height
    remaining = config.num_positives - positives
    if domains and remaining > 0:
        params = {"domains": domains, "dumps": config.dumps, "max_chars": config.max_chars,
                  "seed": str(config.seed), "limit": remaining, "files": pool}
        for batch in _common.batches(wh, "recall_seed_domain_positives", params, 20_000):
            batch = batch.filter(~(pl.col("dump") + ":" + pl.col("doc_id")).is_in(positive_keys))
            stager.write(_frame(batch, "positive", "seed_domain"))
            positive_keys += (batch["dump"] + ":" + batch["doc_id"]).to_list()
            positives += batch.height
    if positives == 0:
        stager.cleanup()
        raise dg.Failure(
            description=f"recall_seeds found no positive documents (seed domains: {len(domains)}, "
            f"seed file: {config.seed_file or 'none'}, WET files read: {files_read}); check the domains, or "
            "read more files (seed_files_per_dump)."
        )
    wanted_negatives = round(config.negative_ratio * positives) if config.negative_ratio > 0 else config.num_negatives
    negatives = 0
    if wanted_negatives:
        params = {"exclude_domains": domains, "exclude_keys": positive_keys, "dumps": config.dumps,
                  "max_chars": config.max_chars, "seed": str(config.seed), "limit": wanted_negatives, "files": pool}
        for batch in _common.batches(wh, "recall_random_negatives", params, 20_000):
            stager.write(_frame(batch, "negative", "random_negative"))
            negatives += batch.height
    rows = wh.replace_table("recall_seeds", stager.files)
    stager.cleanup()
    for file in pool:
        Path(file).unlink(missing_ok=True)

    summary = wh.query_text(
        "SELECT label, source, status, coalesce(reason, '') AS reason, count(*) AS seeds "
        "FROM recall_seeds GROUP BY ALL ORDER BY ALL"
    )
    sample = wh.query_text(
        "SELECT label, source, domain, url, left(text, 80) AS text FROM recall_seeds "
        "WHERE status = 'kept' ORDER BY md5(seed_id) LIMIT 10"
    )
    rejected = int(summary.filter(pl.col("status") == "rejected")["seeds"].sum())
    if negatives < wanted_negatives:
        context.log.warning(f"only {negatives} of {wanted_negatives} negatives available")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "positives": positives,
            "negatives": negatives,
            "rejected_seed_records": rejected,
            "positive_target": config.num_positives,
            "negative_target": wanted_negatives,
            "seed_domains": len(domains),
            "seed_domain_sources": ", ".join(domain_sources) or "none",
            "seed_file": config.seed_file or "none",
            "wet_files_read": files_read,
            "counts": _common.markdown_table(summary),
            "sample": _common.markdown_table(sample),
        }
    )
