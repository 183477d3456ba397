"""Real assets on a DuckLake warehouse (PostgreSQL catalog, Parquet files), chosen by resource
config: the same SQL files as on the DuckDB file, checks included."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.core.sample_dump import DUMP
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.shard_runs import crawl_dump, crawl_shard, list_dump, train_round1

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
    resources = {"warehouse": lake_resource(lake_warehouse)}
    assert list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=2).success
    train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt")

    shards = crawl_dump(instance, resources, DUMP)
    assert set(shards) == {"00000", "00001"}
    for result in shards.values():
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and all(e.passed for e in evaluations), [
            (e.check_name, e.metadata) for e in evaluations if not e.passed
        ]
    documents = lake_warehouse.count("web_documents", "dump", DUMP)
    assert documents > 100 and lake_warehouse.count("recall_scores_round1", "dump", DUMP) == documents
    # Re-materializing a shard replaces its rows: same rows, not twice as many.
    assert crawl_shard(instance, resources, DUMP, "00000").success
    assert lake_warehouse.count("web_documents", "dump", DUMP) == documents
    assert any(Path(lake_warehouse.data_path).rglob("*.parquet"))
    assert not (Path(lake_warehouse.data_path).parent / "warehouse.duckdb").exists()
