"""Resources shared by every domain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from mammoth_assets import paths
from mammoth_assets.warehouse import Warehouse, file_record


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse. Empty `path` means `$MAMMOTH_WAREHOUSE` or `<data dir>/warehouse.duckdb`."""

    path: str = ""
    lock_timeout_s: float = 300.0

    def get(self) -> Warehouse:
        return Warehouse(
            path=Path(self.path) if self.path else paths.warehouse_path(),
            lock_timeout_s=self.lock_timeout_s,
        )


def artifact_metadata(path: str | Path) -> dict[str, Any]:
    """Asset metadata for a file artefact: path, size and content hash."""
    record = file_record(path)
    return {
        "artifact_path": dg.MetadataValue.path(record["path"]),
        "artifact_size_bytes": record["size_bytes"],
        "artifact_sha256": record["sha256"],
    }
