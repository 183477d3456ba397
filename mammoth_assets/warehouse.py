"""The warehouse: named SQL files, bound parameters, atomic partition replacement, two backends.

- **DuckDB file** (the default, `make demo`): one file admits one writer *process* at a time (the
  file lock is per process). Dagster runs steps and runs in parallel processes, so the warehouse
  never holds a connection for long: every operation opens a connection, does its work in one
  transaction and closes it. A process that finds the file locked retries with jittered backoff
  until `lock_timeout_s` runs out.
- **DuckLake** (`catalog` set, e.g. `postgres:dbname=lake host=...`): a PostgreSQL catalog and
  Parquet data files take many writer processes on many machines at once. Each process attaches the
  lake once and works on cursors. A partition swap writes the new rows as a Parquet file into the
  lake's data path *before* its transaction, then commits only metadata (delete the partition's
  rows, register the file with `ducklake_add_data_files`); a commit that loses a race with another
  writer is retried, which costs a metadata round trip, not a rewrite of the rows.

The same SQL files run on both: the lake is attached as `lake` and made the default catalog.
Heavy work happens outside transactions either way: stages stream their output into Parquet files
in a per-run staging directory (`mammoth_assets.staging`) and swap them in at the end. Every
connection sets a memory limit and a temp directory for spilling (`memory_limit`,
`temp_directory`), so a big join spills to disk instead of growing without bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from mammoth_assets import ducklake, paths, staging
from mammoth_assets.core import safe_paths
from mammoth_assets.ducklake import LakeTarget, quote_literal

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOCK_MESSAGES = ("Could not set lock", "Conflicting lock", "database is locked", "lock on file")


class WarehouseError(RuntimeError):
    pass


def identifier(name: str) -> str:
    """Validate a table or column name. Names never come from user input, but check anyway."""
    if not _IDENTIFIER.match(name):
        raise WarehouseError(f"not a valid SQL identifier: {name!r}")
    return name


def load_sql(name: str, sql_dir: Path | None = None) -> str:
    """Text of `sql/<name>.sql`. Values are bound as `$param`, never formatted in."""
    path = (sql_dir or paths.SQL_DIR) / f"{name}.sql"
    if not path.exists():
        raise WarehouseError(f"no SQL file {path}")
    return path.read_text()


def file_record(path: str | Path) -> dict[str, Any]:
    """Path, size and SHA-256 of an artefact file or directory (directory: hash over sorted files)."""
    path = Path(path)
    digest = hashlib.sha256()
    size = 0
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size += file.stat().st_size
    return {"path": str(path), "size_bytes": size, "sha256": digest.hexdigest()}


Tabular = pl.DataFrame | pa.Table
Data = Tabular | Sequence[Path] | Path
T = TypeVar("T")
DEFAULT_MEMORY_LIMIT = "4GB"


def default_memory_limit() -> str:
    return os.environ.get("MAMMOTH_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def _key_columns(columns: str | Sequence[str], key: Any) -> dict[str, Any]:
    """{column: value} of a partition key: one column (`"dump"`, key) or several (`("dump",
    "shard")`, (dump, shard))."""
    if isinstance(columns, str):
        return {identifier(columns): key}
    values = tuple(key) if isinstance(key, (list, tuple)) else (key,)
    if len(values) != len(columns):
        raise WarehouseError(f"partition key {key!r} does not match columns {list(columns)}")
    return {identifier(c): v for c, v in zip(columns, values)}


def _where(key: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    clause = " AND ".join(f"{column} = $k{i}" for i, column in enumerate(key))
    return clause, {f"k{i}": value for i, value in enumerate(key.values())}


@dataclass
class Warehouse:
    """The project's tables. `Warehouse(path=...)` is a DuckDB file; `Warehouse(catalog=...,
    data_path=...)` a DuckLake. `run_id` names the per-run staging directory (Dagster's run id)."""

    path: Path = field(default_factory=paths.warehouse_path)
    sql_dir: Path = field(default_factory=lambda: paths.SQL_DIR)
    lock_timeout_s: float = 300.0
    catalog: str = ""
    data_path: str = ""
    memory_limit: str = field(default_factory=default_memory_limit)
    temp_directory: str = ""
    threads: int = 0
    staging_root: Path | None = None
    stale_staging_after_s: float = staging.DEFAULT_STALE_AFTER_S
    run_id: str | None = None
    conflicts_retried: int = field(default=0, init=False, compare=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.is_lake:
            if not self.data_path:
                raise WarehouseError("a DuckLake warehouse needs data_path (directory or s3://...)")
            base = paths.data_dir()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            base = self.path.parent
        self.staging_root = Path(self.staging_root) if self.staging_root else base / "staging"
        self.temp_directory = self.temp_directory or str(base / "duckdb_tmp")

    @property
    def is_lake(self) -> bool:
        return bool(self.catalog)

    @property
    def backend(self) -> str:
        return "ducklake" if self.is_lake else "duckdb"

    def describe(self) -> str:
        """Where the tables are, for logs and metadata (no credentials: only the catalog's host part)."""
        if not self.is_lake:
            return str(self.path)
        host = re.search(r"host=(\S+)", self.catalog)
        kind = self.catalog.split(":", 1)[0]
        return f"ducklake ({kind} catalog{' at ' + host.group(1) if host else ''}, data {self.data_path})"

    # -- connections -------------------------------------------------------------------------
    def _config(self) -> dict[str, str]:
        config = {"memory_limit": self.memory_limit, "temp_directory": self.temp_directory}
        if self.threads:
            config["threads"] = str(self.threads)
        return config

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection. DuckDB file: retries while another process holds the file
        lock. DuckLake: a cursor on this process's attached lake."""
        if self.is_lake:
            base = ducklake.lake_connection(
                LakeTarget(self.catalog, self.data_path), self._config(),
                link_dir=paths.data_dir() / "duckdb_extensions",
            )  # fmt: skip
            con = base.cursor()
            try:
                con.execute(f"USE {ducklake.LAKE_ALIAS}")
                con.execute("SET enable_progress_bar = false")
                yield con
            finally:
                con.close()
            return
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), config=self._config())
                break
            except duckdb.Error as error:  # IOException on lock conflicts
                if not any(m in str(error) for m in _LOCK_MESSAGES) or time.monotonic() > deadline:
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction, committed at the end of the block. On DuckLake a commit can fail with a
        conflict against another writer: use `write` to have the whole block retried."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failed COMMIT already ended it
                    con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def write(
        self, work: Callable[[duckdb.DuckDBPyConnection], T], lock_tables: Sequence[str] = ()
    ) -> T:
        """Run `work(con)` in one transaction; on a write conflict with another DuckLake writer,
        run it again (jittered backoff) until it lands or `lock_timeout_s` runs out. On DuckLake
        with a PostgreSQL catalog, writers of the same `lock_tables` take turns instead of racing
        (see `ducklake.table_locks`); keep such transactions short (metadata, not row copies)."""

        def once() -> T:
            with self._table_locks(lock_tables), self.transaction() as con:
                return work(con)

        return self._retrying(once)

    def _table_locks(self, tables: Sequence[str]) -> contextlib.AbstractContextManager:
        if not (self.is_lake and tables):
            return contextlib.nullcontext()
        return ducklake.table_locks(self.catalog, list(tables), paths.data_dir() / "duckdb_extensions")

    def _retrying(self, attempt: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        while True:
            try:
                return attempt()
            except duckdb.Error as error:
                if not ducklake.is_conflict(error) or time.monotonic() > deadline:
                    raise
            self.conflicts_retried += 1
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.5, 1.0)

    # -- named SQL ---------------------------------------------------------------------------
    def sql(self, name: str) -> str:
        return load_sql(name, self.sql_dir)

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a named SQL file (one statement) with bound parameters, in one retried transaction."""
        text = self.sql(name)
        self.write(lambda con: con.execute(text, dict(params or {})))

    def query(self, name: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Run a named SQL file and return the result as a Polars frame."""
        return self.query_text(self.sql(name), params)

    def query_text(self, text: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        with self.connect() as con:
            relation = con.sql(text, params=dict(params or {}))
            if relation is None:  # a statement that returns no rows
                return pl.DataFrame()
            return pl.from_arrow(relation.to_arrow_table())

    def scalar(self, name: str, params: Mapping[str, Any] | None = None) -> Any:
        with self.connect() as con:
            row = con.execute(self.sql(name), dict(params or {})).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
        return bool(
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = current_schema() AND table_name = $t",
                {"t": identifier(table)},
            ).fetchone()[0]
        )

    def table_exists(self, table: str) -> bool:
        with self.connect() as con:
            return self._exists(con, table)

    def columns(self, table: str) -> dict[str, str]:
        """{column: SQL type} of a table, in table order (empty when there is no such table)."""
        with self.connect() as con:
            return self._columns(con, table)

    @staticmethod
    def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
        rows = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = current_schema() AND table_name = $t "
            "ORDER BY column_index",
            {"t": identifier(table)},
        ).fetchall()
        return dict(rows)

    def count(self, table: str, where_column: str | None = None, value: Any = None) -> int:
        if not self.table_exists(table):
            return 0
        with self.connect() as con:
            if where_column is None:
                return con.execute(f"SELECT count(*) FROM {identifier(table)}").fetchone()[0]
            return con.execute(
                f"SELECT count(*) FROM {identifier(table)} WHERE {identifier(where_column)} = $v",
                {"v": value},
            ).fetchone()[0]

    def read_table(
        self, table: str, where_column: str | None = None, value: Any = None
    ) -> pl.DataFrame:
        """Whole table (or one partition of it) as Polars. For big tables use `iter_batches`."""
        text = f"SELECT * FROM {identifier(table)}"
        params: dict[str, Any] = {}
        if where_column is not None:
            text += f" WHERE {identifier(where_column)} = $v"
            params["v"] = value
        return self.query_text(text, params)

    def iter_batches(
        self, text: str, params: Mapping[str, Any] | None = None, batch_rows: int = 10_000
    ) -> Iterator[pl.DataFrame]:
        """Stream a query in bounded batches. The result is spilled to a Parquet snapshot first, so
        the warehouse lock is held only while the snapshot is written, not while the caller works."""
        snapshot = self.staging_dir("snapshots") / f"{uuid.uuid4().hex}.parquet"
        with self.connect() as con:
            con.execute(
                f"COPY ({text}) TO {quote_literal(snapshot)} (FORMAT parquet)", dict(params or {})
            )
        try:
            parquet = pq.ParquetFile(snapshot)
            for batch in parquet.iter_batches(batch_size=batch_rows):
                yield pl.from_arrow(batch)
        finally:
            snapshot.unlink(missing_ok=True)

    # -- staging -----------------------------------------------------------------------------
    def staging_dir(self, *parts: str) -> Path:
        """A directory for this run's staged files: `<staging root>/<run token>/<parts>`. Two runs
        (or two processes of one run) never share one; stale ones of dead runs are swept at start.
        Each part (a table name, a partition key) must be a safe name and the directory must
        resolve inside the run's directory (no '..', no symlink out)."""
        base = staging.run_dir(self.staging_root, self.run_id, self.stale_staging_after_s)
        return safe_paths.child_dir(base, *parts, what="staging directory name (partition key?)")

    def release_staging(self) -> None:
        """Delete this run's staging directory in this process (staged files live for one swap)."""
        staging.release(self.staging_root, self.run_id)

    # -- writes ------------------------------------------------------------------------------
    def replace_partition(
        self, table: str, partition_column: str | Sequence[str], key: Any, data: Data
    ) -> int:
        """Atomically replace the rows of one partition: readers see the old rows or the new ones.

        `data` is an in-memory frame or one or more Parquet files (the streaming path). A
        partition is one column (`"dump"`, key) or several (`("dump", "shard")`, (dump, shard))."""
        return self.replace_partitions({table: data}, partition_column, key)[table]

    def replace_partitions(
        self, tables: Mapping[str, Data], partition_column: str | Sequence[str], key: Any
    ) -> dict[str, int]:
        """Replace one partition in several tables in one transaction (all or nothing); returns
        the rows now in the partition per table. An empty file list clears the partition."""
        where, params = _where(_key_columns(partition_column, key))
        if self.is_lake:
            return self._lake_replace(tables, where, params)

        def swap(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
            counts = {}
            for table, data in tables.items():
                table = identifier(table)
                if _is_empty_files(data):
                    if self._exists(con, table):
                        con.execute(f"DELETE FROM {table} WHERE {where}", params)
                    counts[table] = 0
                    continue
                source = self._register_source(con, data, f"_incoming_{table}")
                self._create_like(con, table, source)
                con.execute(f"DELETE FROM {table} WHERE {where}", params)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
                counts[table] = con.execute(
                    f"SELECT count(*) FROM {table} WHERE {where}", params
                ).fetchone()[0]
            return counts

        return self.write(swap)

    def _lake_replace(
        self, tables: Mapping[str, Data], where: str, params: dict[str, Any]
    ) -> dict[str, int]:
        """DuckLake swap: rows go into new Parquet files in the data path outside any transaction
        (cast to the table's column types, so a bad batch fails here and changes nothing), then one
        short retried transaction deletes the partition's rows and registers the files. Returns
        the rows swapped in per table."""
        target = LakeTarget(self.catalog, self.data_path)
        written: dict[str, str | None] = {}
        counts: dict[str, int] = {}
        try:
            for table, data in tables.items():
                table = identifier(table)
                if _is_empty_files(data):
                    written[table], counts[table] = None, 0
                    continue
                # Rows are cast and written on a scratch connection: registering a frame on a
                # lake cursor costs catalog round trips, and no lake state is needed for this.
                with self._scratch() as scratch:
                    source = self._register_source(scratch, data, "_incoming")
                    incoming = scratch.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
                    columns = self._lake_columns(table) or self._create_lake_table(table, incoming)
                    present = {row[0] for row in incoming}
                    if present - set(columns):
                        raise WarehouseError(f"{table} has no columns {sorted(present - set(columns))}")
                    file = ducklake.data_file_path(target, table)
                    casts = ", ".join(
                        f"CAST({_col(c, present)} AS {t}) AS {quote_identifier(c)}"
                        for c, t in columns.items()
                    )
                    rows = scratch.execute(
                        f"COPY (SELECT {casts} FROM {source}) TO {quote_literal(file)} (FORMAT parquet)"
                    ).fetchone()[0]
                    counts[table] = rows
                    written[table] = file if rows else None
                    if not rows:
                        _remove_lake_file(target, file)

            def swap(con: duckdb.DuckDBPyConnection) -> None:
                for table, file in written.items():
                    if file is None and not self._exists(con, table):
                        continue
                    con.execute(f"DELETE FROM {table} WHERE {where}", params)
                    if file is not None:
                        con.execute(
                            "CALL ducklake_add_data_files($lake, $table, $file)",
                            {"lake": ducklake.LAKE_ALIAS, "table": table, "file": file},
                        )

            self.write(swap, lock_tables=list(written))
            written.clear()  # the lake owns the files now
            return counts
        finally:
            for file in written.values():
                if file is not None:
                    _remove_lake_file(target, file)

    @contextlib.contextmanager
    def _scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory connection with this warehouse's memory limit and temp directory."""
        con = duckdb.connect(":memory:", config=self._config())
        try:
            yield con
        finally:
            con.close()

    def _lake_columns(self, table: str) -> dict[str, str]:
        """{column: type} of a lake table, or {} when it does not exist yet."""
        with self.connect() as con:
            try:
                return {row[0]: row[1] for row in con.execute(f"DESCRIBE {table}").fetchall()}
            except duckdb.CatalogException:
                return {}

    def _create_lake_table(self, table: str, described: list[tuple]) -> dict[str, str]:
        """Create a lake table with the columns of the first data written to it (as
        `CREATE TABLE ... AS SELECT ... LIMIT 0` does on a DuckDB file)."""
        columns = {row[0]: row[1] for row in described}
        spec = ", ".join(f"{quote_identifier(c)} {t}" for c, t in columns.items())
        self.write(lambda con: con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({spec})"))
        return self._lake_columns(table)

    def replace_table(self, table: str, data: Data) -> int:
        """Atomically replace a whole (unpartitioned) table."""
        table = identifier(table)

        def swap(con: duckdb.DuckDBPyConnection) -> int:
            source = self._register_source(con, data)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {source}")
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        return self.write(swap)

    def append(self, table: str, data: Data) -> int:
        table = identifier(table)

        def insert(con: duckdb.DuckDBPyConnection) -> int:
            source = self._register_source(con, data)
            self._create_like(con, table, source)
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before

        return self.write(insert)

    def maintain(self, older_than_days: float = 7.0) -> None:
        """DuckLake housekeeping (no-op on a DuckDB file): rewrite files whose rows were deleted by
        partition swaps (small deletes are kept in the catalog, so replaced files stay referenced
        until then), merge small files, expire snapshots older than `older_than_days` and delete
        the files no snapshot needs any more."""
        if not self.is_lake:
            return
        lake = quote_literal(ducklake.LAKE_ALIAS)
        with self.connect() as con:
            con.execute(f"CALL ducklake_rewrite_data_files({lake})")
            con.execute(f"CALL ducklake_merge_adjacent_files({lake})")
            con.execute(
                f"CALL ducklake_expire_snapshots({lake}, older_than => now() - to_days($d::INTEGER))",
                {"d": int(older_than_days)},
            )
            con.execute(f"CALL ducklake_cleanup_old_files({lake}, cleanup_all => true)")

    @staticmethod
    def _register_source(
        con: duckdb.DuckDBPyConnection, data: Any, name: str = "_incoming"
    ) -> str:
        if isinstance(data, (str, Path)):
            data = [Path(data)]
        if isinstance(data, (list, tuple)):
            files = [str(Path(p)) for p in data]
            if not files:
                raise WarehouseError("no Parquet files given")
            quoted = ", ".join(quote_literal(f) for f in files)
            return f"read_parquet([{quoted}], union_by_name = true)"
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        con.register(name, arrow)
        return name

    @staticmethod
    def _create_like(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
        """Create `table` shaped like `source`; a table an older version created gains the columns
        a newer schema added (e.g. `decision`), so an existing warehouse keeps working (its old
        rows hold NULL there until their partition is written again)."""
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")
        have = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
        for name, dtype, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall():
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_identifier(name)} {dtype}")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _col(column: str, present: set[str]) -> str:
    return quote_identifier(column) if column in present else "NULL"


def _is_empty_files(data: Any) -> bool:
    return isinstance(data, (list, tuple)) and not data


def _remove_lake_file(target: LakeTarget, file: str) -> None:
    if target.is_local():
        Path(file).unlink(missing_ok=True)


def warehouse_from_env(path: str | Path = "", catalog: str = "", data_path: str = "", **settings: Any) -> Warehouse:
    """The configured warehouse: a DuckLake when a catalog is given or `$MAMMOTH_DUCKLAKE_CATALOG`
    is set (data in `data_path`, `$MAMMOTH_DUCKLAKE_DATA_PATH` or `<data dir>/lake`), else the
    DuckDB file `path` (`$MAMMOTH_WAREHOUSE`, `<data dir>/warehouse.duckdb`)."""
    catalog = catalog or os.environ.get("MAMMOTH_DUCKLAKE_CATALOG", "")
    settings = {k: v for k, v in settings.items() if v not in ("", None, 0)}
    if catalog:
        data_path = data_path or os.environ.get("MAMMOTH_DUCKLAKE_DATA_PATH", "")
        data_path = data_path or str(paths.data_dir() / "lake")
        return Warehouse(catalog=catalog, data_path=data_path, **settings)
    return Warehouse(path=Path(path) if path else paths.warehouse_path(), **settings)


class ParquetStager:
    """Collects batches of one stage's output in Parquet files so memory stays flat.

    >>> stager = ParquetStager(warehouse.staging_dir("web_documents", key))
    >>> stager.write(batch) ...; warehouse.replace_partition(..., stager.files); stager.cleanup()
    """

    def __init__(self, directory: Path, compression: str = "zstd"):
        self.directory = Path(directory)
        self.compression = compression
        for stale in self.directory.glob("part-*.parquet"):
            stale.unlink()
        self.files: list[Path] = []
        self.rows = 0

    def write(self, batch: Tabular | Iterable[Mapping[str, Any]], schema: Any = None) -> None:
        if not isinstance(batch, (pl.DataFrame, pa.Table)):
            batch = pl.DataFrame(list(batch), schema=schema)
        if batch.num_rows if isinstance(batch, pa.Table) else batch.height:
            file = self.directory / f"part-{len(self.files):05d}.parquet"
            if isinstance(batch, pl.DataFrame):
                batch.write_parquet(file, compression=self.compression)
                self.rows += batch.height
            else:
                pq.write_table(batch, file, compression=self.compression)
                self.rows += batch.num_rows
            self.files.append(file)

    def cleanup(self) -> None:
        for file in self.files:
            file.unlink(missing_ok=True)
        self.files = []
