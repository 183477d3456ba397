"""DuckDB warehouse: named SQL files, bound parameters, atomic partition replacement.

One DuckDB file admits one writer *process* at a time (the file lock is per process). Dagster runs
steps and runs in parallel processes, so the warehouse never holds a connection for long: every
operation opens a connection, does its work in one transaction and closes it. A process that finds
the file locked retries with jittered backoff until `lock_timeout_s` runs out. Heavy work happens
outside the lock: stages stream their output into Parquet staging files and the final swap into the
table is one short `DELETE ... INSERT ... SELECT FROM read_parquet(...)` transaction.

Beyond one machine, point `path` at a DuckLake catalog instead (see README, "Scaling out").
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from mammoth_assets import paths
from mammoth_assets.core import safe_paths

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


@dataclass
class Warehouse:
    path: Path = field(default_factory=paths.warehouse_path)
    sql_dir: Path = field(default_factory=lambda: paths.SQL_DIR)
    lock_timeout_s: float = 300.0

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    # -- connections -------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; retries while another process holds the file lock."""
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path))
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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- named SQL ---------------------------------------------------------------------------
    def sql(self, name: str) -> str:
        return load_sql(name, self.sql_dir)

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a named SQL file (one statement) with bound parameters."""
        with self.transaction() as con:
            con.execute(self.sql(name), dict(params or {}))

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

    def table_exists(self, table: str) -> bool:
        with self.connect() as con:
            return bool(
                con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = $t",
                    {"t": identifier(table)},
                ).fetchone()[0]
            )

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
            con.execute(f"COPY ({text}) TO '{snapshot}' (FORMAT parquet)", dict(params or {}))
        try:
            parquet = pq.ParquetFile(snapshot)
            for batch in parquet.iter_batches(batch_size=batch_rows):
                yield pl.from_arrow(batch)
        finally:
            snapshot.unlink(missing_ok=True)

    # -- writes ------------------------------------------------------------------------------
    def staging_dir(self, *parts: str) -> Path:
        """`staging/<parts...>` beside the warehouse; each part (a table name, a partition key) must
        be a safe name and the directory must resolve inside `staging/` (no '..', no symlink out)."""
        staging = self.path.parent / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        return safe_paths.child_dir(staging, *parts, what="staging directory name (partition key?)")

    def replace_partition(
        self, table: str, partition_column: str, key: Any, data: Tabular | Sequence[Path] | Path
    ) -> int:
        """Atomically replace the rows of one partition: readers see the old rows or the new ones.

        `data` is an in-memory frame or one or more Parquet files (the streaming path)."""
        table, column = identifier(table), identifier(partition_column)
        if isinstance(data, (list, tuple)) and not data:  # the stage produced no rows
            if self.table_exists(table):
                with self.transaction() as con:
                    con.execute(f"DELETE FROM {table} WHERE {column} = $key", {"key": key})
            return 0
        with self.transaction() as con:
            source = self._register_source(con, data)
            self._create_like(con, table, source)
            con.execute(f"DELETE FROM {table} WHERE {column} = $key", {"key": key})
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
            inserted = con.execute(
                f"SELECT count(*) FROM {table} WHERE {column} = $key", {"key": key}
            ).fetchone()[0]
        return inserted

    def replace_table(self, table: str, data: Tabular | Sequence[Path] | Path) -> int:
        """Atomically replace a whole (unpartitioned) table."""
        table = identifier(table)
        with self.transaction() as con:
            source = self._register_source(con, data)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {source}")
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def append(self, table: str, data: Tabular | Sequence[Path] | Path) -> int:
        table = identifier(table)
        with self.transaction() as con:
            source = self._register_source(con, data)
            self._create_like(con, table, source)
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before

    @staticmethod
    def _register_source(con: duckdb.DuckDBPyConnection, data: Any) -> str:
        if isinstance(data, (str, Path)):
            data = [Path(data)]
        if isinstance(data, (list, tuple)):
            files = [str(Path(p)) for p in data]
            if not files:
                raise WarehouseError("no Parquet files given")
            quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            return f"read_parquet([{quoted}], union_by_name = true)"
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        con.register("_incoming", arrow)
        return "_incoming"

    @staticmethod
    def _create_like(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {source} LIMIT 0")


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
