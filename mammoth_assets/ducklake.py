"""DuckLake backend of the warehouse: offline extension loading, ATTACH, one attached lake per process.

DuckLake keeps the catalog (snapshots, file lists) in a database that takes many writers at once
(PostgreSQL) and the rows in Parquet files under a data path (a directory or an object store).
Writers commit optimistically: when two commits race, DuckLake retries by itself unless the
changes conflict logically (one transaction deleted from a table the other inserted into, two
creates of one name); those come back as "Transaction conflict" errors and the warehouse retries
the whole write (see `Warehouse.write`).

The extensions come from PyPI wheels (`duckdb-extension-ducklake`, `duckdb-extension-postgres`,
built for this DuckDB version), so nothing is downloaded at run time. The postgres wheel ships its
file as `postgres.duckdb_extension` while DuckDB derives the entry point from the file name
(`postgres_scanner_init`), so it is loaded through a symlink with the canonical name.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

LAKE_ALIAS = "lake"
# extension name DuckDB expects -> the PyPI package that ships it
EXTENSION_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres",
}
_CONFLICT_MESSAGES = ("Transaction conflict", "Failed to commit DuckLake transaction")
# Two processes attaching a fresh catalog at once both try to create DuckLake's metadata tables.
_INIT_RACE_MESSAGES = ("Failed to initialize DuckLake", "duplicate key value")


class DuckLakeError(RuntimeError):
    pass


def is_conflict(error: BaseException) -> bool:
    """A logical write conflict with another transaction: retrying the whole write resolves it."""
    return isinstance(error, duckdb.Error) and any(m in str(error) for m in _CONFLICT_MESSAGES)


def quote_literal(text: str) -> str:
    """A SQL string literal (ATTACH and COPY take no bound parameters for paths)."""
    return "'" + str(text).replace("'", "''") + "'"


def extension_file(name: str) -> Path:
    """The `.duckdb_extension` file of `name` shipped in its PyPI wheel."""
    package = EXTENSION_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DuckLakeError(
            f"DuckDB extension {name!r} is not installed: pip install "
            f"{package.replace('_', '-')}=={duckdb.__version__}"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    version_dir = root / f"v{duckdb.__version__}"
    found = sorted(version_dir.rglob("*.duckdb_extension")) if version_dir.exists() else []
    if not found:
        built = sorted(p.name for p in root.iterdir()) if root.exists() else []
        raise DuckLakeError(
            f"{package} has no build for duckdb {duckdb.__version__} (it has {built}); "
            f"install the version matching duckdb"
        )
    return found[0]


def _linked_as(path: Path, name: str, link_dir: Path) -> Path:
    """`path` itself when its file name is `<name>.duckdb_extension`, else a symlink so named."""
    if path.name == f"{name}.duckdb_extension":
        return path
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / f"{name}.duckdb_extension"
    if link.is_symlink() and Path(os.readlink(link)) == path:
        return link
    temporary = link_dir / f".{name}.{uuid.uuid4().hex}"
    temporary.symlink_to(path)
    os.replace(temporary, link)  # atomic: concurrent processes agree on the same link
    return link


def load_extension(con: duckdb.DuckDBPyConnection, name: str, link_dir: Path) -> None:
    path = _linked_as(extension_file(name), name, link_dir / f"v{duckdb.__version__}")
    con.execute(f"LOAD {quote_literal(path)}")


def needs_postgres(catalog: str) -> bool:
    return catalog.startswith(("postgres:", "postgresql:"))


@dataclass(frozen=True)
class LakeTarget:
    """Where one DuckLake lives: the catalog (e.g. `postgres:dbname=lake host=...`) and the data
    path (a directory, or `s3://...` with the httpfs extension and credentials set up)."""

    catalog: str
    data_path: str

    def attach_sql(self) -> str:
        options = f"DATA_PATH {quote_literal(self.data_path)}"
        return f"ATTACH {quote_literal('ducklake:' + self.catalog)} AS {LAKE_ALIAS} ({options})"

    def is_local(self) -> bool:
        return "://" not in self.data_path


def data_file_path(target: LakeTarget, table: str) -> str:
    """A fresh file name under the lake's data path for rows added with `ducklake_add_data_files`."""
    name = f"mammoth-{uuid.uuid4().hex}.parquet"
    if target.is_local():
        directory = Path(target.data_path) / "main" / table
        directory.mkdir(parents=True, exist_ok=True)
        return str(directory / name)
    return f"{target.data_path.rstrip('/')}/main/{table}/{name}"


_LOCK = threading.Lock()
_OPEN: dict[tuple, duckdb.DuckDBPyConnection] = {}


def lake_connection(
    target: LakeTarget, config: dict[str, str], link_dir: Path, attach_timeout_s: float = 120.0
) -> duckdb.DuckDBPyConnection:
    """This process's connection with the lake attached (loading extensions and attaching cost
    about a second, so it is done once per process; callers work on `.cursor()`s of it)."""
    key = (os.getpid(), target, tuple(sorted(config.items())))
    with _LOCK:
        con = _OPEN.get(key)
        if con is not None:
            return con
        if target.is_local():
            Path(target.data_path).mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute("SET enable_progress_bar = false")
            if needs_postgres(target.catalog):
                load_extension(con, "postgres_scanner", link_dir)
            load_extension(con, "ducklake", link_dir)
            _attach(con, target, attach_timeout_s)
        except BaseException:
            con.close()
            raise
        _OPEN[key] = con
        return con


def _attach(con: duckdb.DuckDBPyConnection, target: LakeTarget, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con.execute(target.attach_sql())
            return
        except duckdb.Error as error:
            racing = any(m in str(error) for m in _INIT_RACE_MESSAGES)
            if not racing or time.monotonic() > deadline:
                raise
            time.sleep(0.05 + random.random() * 0.2)


def table_lock_key(table: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks, one per lake table."""
    digest = hashlib.sha1(f"mammoth-ducklake:{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def table_locks(catalog: str, tables: list[str], link_dir: Path) -> Iterator[None]:
    """Hold PostgreSQL advisory locks on `tables` (transaction-level, in the catalog database) for
    the duration of the block. DuckLake reports a delete and an insert into one table by two
    concurrent transactions as a conflict even when they touch different partitions; a writer
    that waits for the lock before starting its transaction sees the other's commit instead of
    losing a race and redoing its transaction. Locks are taken in sorted order, so two multi-table
    swaps cannot deadlock; a crashed holder's locks go with its connection."""
    if not needs_postgres(catalog):
        yield
        return
    con = _lock_connection(catalog, link_dir).cursor()  # a cursor: threads never share a transaction
    con.execute("BEGIN TRANSACTION")
    try:
        for table in sorted(set(tables)):
            con.execute(
                "SELECT * FROM postgres_query('pglock', $q)",
                {"q": f"SELECT pg_advisory_xact_lock({table_lock_key(table)})::text"},
            ).fetchall()
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")  # ends the PostgreSQL transaction: the locks go with it
        con.close()


def _lock_connection(catalog: str, link_dir: Path) -> duckdb.DuckDBPyConnection:
    key = (os.getpid(), "locks", catalog)
    with _LOCK:
        con = _OPEN.get(key)
        if con is None:
            con = duckdb.connect(":memory:")
            con.execute("SET enable_progress_bar = false")  # waiting for a lock is not progress
            load_extension(con, "postgres_scanner", link_dir)
            conninfo = catalog.split(":", 1)[1]
            con.execute(f"ATTACH {quote_literal(conninfo)} AS pglock (TYPE postgres)")
            _OPEN[key] = con
        return con


def close_all() -> None:
    """Close this process's lake connections (tests stop their PostgreSQL server after this)."""
    with _LOCK:
        for key in [k for k in _OPEN if k[0] == os.getpid()]:
            _OPEN.pop(key).close()
