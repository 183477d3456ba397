"""Real assets on a DuckLake warehouse (PostgreSQL catalog, Parquet files), chosen by resource
config: the same SQL files as on the DuckDB file, checks included."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.core.sample_dump import DUMP
from mammoth_assets.defs.crawl import web_documents, wet_files
from mammoth_assets.defs.crawl.checks import checks
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse

pytestmark = pytest.mark.slow


def lake_resource(lake_warehouse: Warehouse) -> WarehouseResource:
    return WarehouseResource(
        ducklake_catalog=lake_warehouse.catalog,
        ducklake_data_path=lake_warehouse.data_path,
        memory_limit="1GB",
        lock_timeout_s=120,
    )


def test_crawl_assets_and_checks_run_on_ducklake(
    lake_warehouse: Warehouse, sample_mirror: Path
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [DUMP])
    resources = {"warehouse": lake_resource(lake_warehouse)}

    def run() -> dg.ExecuteInJobResult:
        return dg.materialize(
            [wet_files, web_documents, *checks],
            partition_key=DUMP,
            instance=instance,
            resources=resources,
            run_config={"ops": {"wet_files": {"config": {"base_url": sample_mirror.as_uri()}}}},
        )

    first = run()
    assert first.success
    evaluations = first.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [
        (e.check_name, e.metadata) for e in evaluations if not e.passed
    ]
    documents = lake_warehouse.count("web_documents", "dump", DUMP)
    assert documents > 100
    # Re-materializing replaces the partition: same rows, not twice as many.
    assert run().success
    assert lake_warehouse.count("web_documents", "dump", DUMP) == documents
    assert any(Path(lake_warehouse.data_path).rglob("*.parquet"))
    assert not (Path(lake_warehouse.data_path).parent / "warehouse.duckdb").exists()
