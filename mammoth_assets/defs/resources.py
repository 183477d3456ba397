"""Resources shared by every domain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from mammoth_assets.warehouse import Warehouse, file_record, warehouse_from_env


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse: a DuckDB file (default) or a DuckLake (PostgreSQL catalog + Parquet files).
    Empty fields fall back to environment variables, then to defaults (see `warehouse_from_env`)."""

    path: str = Field(
        default="",
        description="DuckDB file; empty: $MAMMOTH_WAREHOUSE or <data dir>/warehouse.duckdb.",
    )
    ducklake_catalog: str = Field(
        default="",
        description="DuckLake catalog, e.g. 'postgres:dbname=lake host=db user=mammoth' (password "
        "from PGPASSWORD). Set: the warehouse is a DuckLake. Empty: $MAMMOTH_DUCKLAKE_CATALOG, "
        "else the DuckDB file.",
    )
    ducklake_data_path: str = Field(
        default="",
        description="DuckLake data files: a directory shared by all writers, or s3://bucket/prefix. "
        "Empty: $MAMMOTH_DUCKLAKE_DATA_PATH or <data dir>/lake.",
    )
    memory_limit: str = Field(
        default="",
        description="DuckDB memory limit per connection (e.g. '4GB'); beyond it joins and sorts "
        "spill to temp_directory. Empty: $MAMMOTH_DUCKDB_MEMORY_LIMIT or 4GB.",
    )
    temp_directory: str = Field(
        default="", description="Where DuckDB spills. Empty: <warehouse dir>/duckdb_tmp."
    )
    threads: int = Field(default=0, description="DuckDB threads per connection; 0: all cores.")
    lock_timeout_s: float = Field(
        default=300.0,
        description="How long a write waits for the DuckDB file lock or retries DuckLake conflicts.",
    )
    stale_staging_after_s: float = Field(
        default=24 * 3600.0,
        description="Staging of dead runs is swept at start; staging without an owner lock (or "
        "from another host) once it is older than this.",
    )
    _run_id: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run_id

    def get(self) -> Warehouse:
        return warehouse_from_env(
            path=self.path,
            catalog=self.ducklake_catalog,
            data_path=self.ducklake_data_path,
            memory_limit=self.memory_limit,
            temp_directory=self.temp_directory,
            threads=self.threads,
            lock_timeout_s=self.lock_timeout_s,
            stale_staging_after_s=self.stale_staging_after_s,
            run_id=self._run_id,
        )


def artifact_metadata(path: str | Path) -> dict[str, Any]:
    """Asset metadata for a file artefact: path, size and content hash."""
    record = file_record(path)
    return {
        "artifact_path": dg.MetadataValue.path(record["path"]),
        "artifact_size_bytes": record["size_bytes"],
        "artifact_sha256": record["sha256"],
    }
