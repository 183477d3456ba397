"""The warehouse: named SQL with bound parameters, atomic partition swaps, concurrent writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mammoth_assets.warehouse import ParquetStager, Warehouse, WarehouseError, file_record, identifier


def rows(dump: str, n: int, value: int = 1) -> pl.DataFrame:
    return pl.DataFrame({"dump": [dump] * n, "id": list(range(n)), "value": [value] * n})


def test_named_sql_binds_parameters(warehouse: Warehouse) -> None:
    warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3, value=2))
    summary = warehouse.query("warehouse_partition_summary", {"dump": "A"})
    assert summary.to_dicts() == [{"dump": "A", "rows": 3, "total": 6}]
    # A hostile partition key is just a value, never SQL.
    hostile = "A' OR '1'='1"
    assert warehouse.query("warehouse_partition_summary", {"dump": hostile}).height == 0


def test_replace_partition_touches_only_that_partition(warehouse: Warehouse) -> None:
    warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    warehouse.replace_partition("warehouse_test_rows", "dump", "B", rows("B", 5))
    warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 2, value=7))
    assert warehouse.count("warehouse_test_rows", "dump", "A") == 2
    assert warehouse.count("warehouse_test_rows", "dump", "B") == 5
    assert warehouse.read_table("warehouse_test_rows", "dump", "A")["value"].to_list() == [7, 7]


def test_failed_replacement_keeps_the_old_rows(warehouse: Warehouse) -> None:
    warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    incompatible = pl.DataFrame({"dump": ["A"], "id": ["not-an-int"], "value": [1]})
    with pytest.raises(duckdb.Error):
        warehouse.replace_partition("warehouse_test_rows", "dump", "A", incompatible)
    assert warehouse.count("warehouse_test_rows", "dump", "A") == 3


def test_parquet_staging_streams_into_a_partition(warehouse: Warehouse) -> None:
    stager = ParquetStager(warehouse.staging_dir("warehouse_test_rows", "A"))
    for start in range(0, 1000, 100):
        stager.write([{"dump": "A", "id": i, "value": 1} for i in range(start, start + 100)])
    assert len(stager.files) == 10
    assert warehouse.replace_partition("warehouse_test_rows", "dump", "A", stager.files) == 1000
    stager.cleanup()
    batches = list(warehouse.iter_batches("SELECT * FROM warehouse_test_rows", batch_rows=256))
    assert sum(b.height for b in batches) == 1000
    assert max(b.height for b in batches) <= 256


def test_empty_output_clears_the_partition(warehouse: Warehouse) -> None:
    warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    assert warehouse.replace_partition("warehouse_test_rows", "dump", "A", []) == 0
    assert warehouse.count("warehouse_test_rows", "dump", "A") == 0


def test_identifiers_are_validated() -> None:
    assert identifier("web_documents") == "web_documents"
    with pytest.raises(WarehouseError):
        identifier("web_documents; DROP TABLE x")


def test_file_record_hashes_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "a.bin").write_bytes(b"abc")
    (tmp_path / "model" / "b.bin").write_bytes(b"defg")
    record = file_record(tmp_path / "model")
    assert record["size_bytes"] == 7
    assert len(record["sha256"]) == 64
    (tmp_path / "model" / "b.bin").write_bytes(b"defh")
    assert file_record(tmp_path / "model")["sha256"] != record["sha256"]


def _write_partition(path: str, dump: str, rounds: int) -> None:
    warehouse = Warehouse(path=Path(path), lock_timeout_s=120)
    for round_ in range(rounds):
        warehouse.replace_partition("warehouse_test_rows", "dump", dump, rows(dump, 50, round_))


def test_two_processes_write_partitions_at_once(warehouse: Warehouse) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_write_partition, args=(str(warehouse.path), dump, 20))
        for dump in ("CC-MAIN-A", "CC-MAIN-B")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=300)
    assert [writer.exitcode for writer in writers] == [0, 0]
    assert warehouse.count("warehouse_test_rows", "dump", "CC-MAIN-A") == 50
    assert warehouse.count("warehouse_test_rows", "dump", "CC-MAIN-B") == 50
    assert set(warehouse.read_table("warehouse_test_rows")["value"].to_list()) == {19}
