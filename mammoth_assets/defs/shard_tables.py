"""Per-shard tables: partitions of `cc_dump x shard`, swapped into the warehouse atomically.

Every per-shard table carries `dump`, `shard` and `shard_key` ("<dump>|<shard>", the Dagster
multi-partition key). A shard's rows in all the tables one stage writes are replaced in one
transaction: readers see the old shard or the new one, never a mix, and a re-run of a shard
never duplicates rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import dagster as dg
import polars as pl

from mammoth_assets.core import safe_paths
from mammoth_assets.core.shards import shard_index, shard_key
from mammoth_assets.defs.partitions import SHARD_DIMENSION, DUMP_DIMENSION
from mammoth_assets.warehouse import Warehouse, identifier


@dataclass(frozen=True)
class ShardPartition:
    dump: str
    shard: str

    @property
    def key(self) -> str:
        return shard_key(self.dump, self.shard)

    @property
    def params(self) -> dict[str, str]:
        return {"dump": self.dump, "shard": self.shard, "shard_key": self.key}


def shard_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext | dg.OpExecutionContext) -> ShardPartition:
    """The run's (dump, shard), refused with a clear error unless the dump is a Common Crawl dump id
    and the shard a shard name: keys can be typed into the UI, and both become directory parts."""
    key = context.partition_key
    if isinstance(key, dg.MultiPartitionKey):
        keys = key.keys_by_dimension
        part = ShardPartition(keys[DUMP_DIMENSION], keys[SHARD_DIMENSION])
    else:
        part = shard_from_key(key)  # a run tagged with the key's string form only (dagster/partition)
    try:
        safe_paths.dump_id(part.dump)
        shard_index(part.shard)
    except (safe_paths.UnsafeNameError, ValueError) as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    return part


def shard_from_key(key: str) -> ShardPartition:
    """`"<dump>|<shard>"` (the string form of the multi-partition key) back to its parts."""
    dump, _, shard = str(key).rpartition("|")
    if not dump:
        raise ValueError(f"not a cc_dump|shard key: {key!r}")
    return ShardPartition(dump, shard)


@dataclass(frozen=True)
class TableSwap:
    table: str
    files: Sequence[Path | str] | pl.DataFrame
    create_sql: str | None = None  # named SQL creating the table; else created from the data
    insert_sql: str | None = None  # named SQL inserting from $files; else a plain BY NAME insert


def swap_shard(wh: Warehouse, part: ShardPartition, swaps: Sequence[TableSwap], params: Mapping[str, Any] | None = None) -> None:
    """Replace the shard's rows of every table in `swaps` in one transaction."""
    with wh.transaction() as con:
        for swap in swaps:
            table = identifier(swap.table)
            files = swap.files
            if isinstance(files, pl.DataFrame):
                con.register("_shard_rows", files.to_arrow())
                source = "_shard_rows"
            else:
                quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                source = f"read_parquet([{quoted}], union_by_name = true)" if files else None
            if swap.create_sql:
                con.execute(wh.sql(swap.create_sql))
            elif source:
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")
            else:
                continue  # nothing to write and no schema: the table stays as it is (absent)
            con.execute(f"DELETE FROM {table} WHERE shard_key = $k", {"k": part.key})
            if source is None:
                continue
            if swap.insert_sql:
                text = wh.sql(swap.insert_sql)
                values = {"files": [str(f) for f in files], "shard_key": part.key, **(params or {})}
                con.execute(text, {k: v for k, v in values.items() if f"${k}" in text})
            else:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source} WHERE shard_key = $k", {"k": part.key})
            if isinstance(files, pl.DataFrame):
                con.unregister("_shard_rows")


def with_shard_columns(frame: pl.DataFrame, part: ShardPartition) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(part.dump).alias("dump"), pl.lit(part.shard).alias("shard"), pl.lit(part.key).alias("shard_key")
    )
