"""The warehouse: named SQL with bound parameters, atomic partition swaps, concurrent writers, on
both backends (a DuckDB file, and DuckLake with a real PostgreSQL catalog and Parquet files)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mammoth_assets import ducklake
from mammoth_assets.warehouse import ParquetStager, Warehouse, WarehouseError, file_record, identifier

BACKENDS = ["duckdb", "ducklake"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Warehouse:
    """The same tests on a DuckDB file and on a DuckLake."""
    return request.getfixturevalue("warehouse" if request.param == "duckdb" else "lake_warehouse")


def rows(dump: str, n: int, value: int = 1) -> pl.DataFrame:
    return pl.DataFrame({"dump": [dump] * n, "id": list(range(n)), "value": [value] * n})


def test_named_sql_binds_parameters(store: Warehouse) -> None:
    store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3, value=2))
    summary = store.query("warehouse_partition_summary", {"dump": "A"})
    assert summary.to_dicts() == [{"dump": "A", "rows": 3, "total": 6}]
    # A hostile partition key is just a value, never SQL.
    hostile = "A' OR '1'='1"
    assert store.query("warehouse_partition_summary", {"dump": hostile}).height == 0


def test_replace_partition_touches_only_that_partition(store: Warehouse) -> None:
    store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    store.replace_partition("warehouse_test_rows", "dump", "B", rows("B", 5))
    store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 2, value=7))
    assert store.count("warehouse_test_rows", "dump", "A") == 2
    assert store.count("warehouse_test_rows", "dump", "B") == 5
    assert store.read_table("warehouse_test_rows", "dump", "A")["value"].to_list() == [7, 7]


def test_partition_key_of_several_columns(store: Warehouse) -> None:
    """(dump, shard) partitions: replacing one shard leaves the dump's other shards alone."""

    def shard(dump: str, number: int, n: int, value: int) -> pl.DataFrame:
        return rows(dump, n, value).with_columns(pl.lit(number).alias("shard"))

    for dump in ("A", "B"):
        for number in range(3):
            store.replace_partition("shard_rows", ("dump", "shard"), (dump, number), shard(dump, number, 4, 1))
    assert store.replace_partition("shard_rows", ("dump", "shard"), ("A", 1), shard("A", 1, 2, 9)) == 2
    table = store.read_table("shard_rows")
    assert table.height == 4 * 5 + 2
    assert table.filter(pl.col("value") == 9)[["dump", "shard"]].unique().rows() == [("A", 1)]
    with pytest.raises(WarehouseError):
        store.replace_partition("shard_rows", ("dump", "shard"), "A", shard("A", 1, 2, 9))


def test_failed_replacement_keeps_the_old_rows(store: Warehouse) -> None:
    store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    incompatible = pl.DataFrame({"dump": ["A"], "id": ["not-an-int"], "value": [1]})
    with pytest.raises(duckdb.Error):
        store.replace_partition("warehouse_test_rows", "dump", "A", incompatible)
    assert store.count("warehouse_test_rows", "dump", "A") == 3


def test_several_tables_swap_together_or_not_at_all(store: Warehouse) -> None:
    store.replace_partitions({"docs": rows("A", 3), "rejects": rows("A", 1)}, "dump", "A")
    bad = pl.DataFrame({"dump": ["A"], "id": ["x"], "value": [1]})
    with pytest.raises(duckdb.Error):
        store.replace_partitions({"docs": rows("A", 10, 5), "rejects": bad}, "dump", "A")
    assert store.count("docs", "dump", "A") == 3
    assert store.replace_partitions({"docs": rows("A", 4), "rejects": []}, "dump", "A") == {"docs": 4, "rejects": 0}


def test_parquet_staging_streams_into_a_partition(store: Warehouse) -> None:
    stager = ParquetStager(store.staging_dir("warehouse_test_rows", "A"))
    for start in range(0, 1000, 100):
        stager.write([{"dump": "A", "id": i, "value": 1} for i in range(start, start + 100)])
    assert len(stager.files) == 10
    assert store.replace_partition("warehouse_test_rows", "dump", "A", stager.files) == 1000
    stager.cleanup()
    batches = list(store.iter_batches("SELECT * FROM warehouse_test_rows", batch_rows=256))
    assert sum(b.height for b in batches) == 1000
    assert max(b.height for b in batches) <= 256


def test_empty_output_clears_the_partition(store: Warehouse) -> None:
    store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 3))
    assert store.replace_partition("warehouse_test_rows", "dump", "A", []) == 0
    assert store.count("warehouse_test_rows", "dump", "A") == 0
    assert store.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 0)) == 0


def test_replace_table_and_append(store: Warehouse) -> None:
    assert store.replace_table("whole", rows("A", 3)) == 3
    assert store.replace_table("whole", rows("B", 2)) == 2
    assert store.append("whole", rows("C", 4)) == 4
    assert sorted(store.read_table("whole")["dump"].unique().to_list()) == ["B", "C"]
    assert store.columns("whole") == {"dump": "VARCHAR", "id": "BIGINT", "value": "BIGINT"}


def test_connection_sets_memory_limit_and_temp_directory(store: Warehouse, tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    limited = dataclasses.replace(store, memory_limit="512MB", temp_directory=str(spill))
    with limited.connect() as con:
        memory, temp = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        # A sort larger than the limit spills into the temp directory instead of failing.
        con.execute("SELECT count(*) FROM (SELECT range % 1000 AS g, md5(range::VARCHAR) AS s FROM range(6000000) ORDER BY s)").fetchone()
    assert memory in ("488.2 MiB", "512.0 MB", "488.2MiB")
    assert Path(temp) == spill


def test_ducklake_keeps_rows_in_parquet_files_and_the_catalog_in_postgres(lake_warehouse: Warehouse) -> None:
    lake_warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 5))
    files = sorted(Path(lake_warehouse.data_path).rglob("*.parquet"))
    assert files and all(f.stat().st_size > 0 for f in files)
    assert pl.read_parquet(files[0])["dump"].to_list() == ["A"] * 5
    with lake_warehouse.connect() as con:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        tables = con.execute(
            "SELECT count(*) FROM postgres_query('__ducklake_metadata_lake', "
            "'SELECT table_name FROM ducklake_table WHERE end_snapshot IS NULL')"
        ).fetchone()[0]
    assert catalog == ducklake.LAKE_ALIAS and tables == 1
    assert "postgres catalog at 127.0.0.1" in lake_warehouse.describe()


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


# -- several processes at once --------------------------------------------------------------
def _settings(store: Warehouse) -> dict:
    return {"path": str(store.path), "catalog": store.catalog, "data_path": store.data_path, "lock_timeout_s": 240}


def _swap_rounds(settings: dict, partitions: list, rounds: int, rows_per_swap: int) -> None:
    """One writer process: `rounds` swaps of each of its (dump, shard) partitions in two tables."""
    warehouse = Warehouse(**settings)
    for round_ in range(rounds):
        for dump, shard in partitions:
            frame = rows(dump, rows_per_swap, round_).with_columns(pl.lit(shard).alias("shard"))
            warehouse.replace_partitions(
                {"shard_docs": frame, "shard_files": frame.head(1)}, ("dump", "shard"), (dump, shard)
            )


def _run_writers(store: Warehouse, assignments: list[list], rounds: int, rows_per_swap: int) -> float:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_swap_rounds, args=(_settings(store), parts, rounds, rows_per_swap))
        for parts in assignments
    ]
    started = time.perf_counter()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=600)
    assert [writer.exitcode for writer in writers] == [0] * len(writers)
    return time.perf_counter() - started


def test_two_processes_write_partitions_at_once(store: Warehouse) -> None:
    _run_writers(store, [[("CC-MAIN-A", 0)], [("CC-MAIN-B", 0)]], rounds=10, rows_per_swap=50)
    for dump in ("CC-MAIN-A", "CC-MAIN-B"):
        assert store.count("shard_docs", "dump", dump) == 50
    assert set(store.read_table("shard_docs")["value"].to_list()) == {9}


@pytest.mark.slow
def test_ducklake_shards_of_two_dumps_written_by_four_processes_at_once(lake_warehouse: Warehouse) -> None:
    """Shards of two dumps, each process owning shards of both dumps, every swap replacing a shard
    in two tables: every final swap landed, nothing lost or doubled."""
    shards = [(dump, shard) for dump in ("CC-MAIN-2024-10", "CC-MAIN-2024-18") for shard in range(8)]
    assignments = [shards[i::4] for i in range(4)]  # 4 processes x 4 shards, both dumps each
    seconds = _run_writers(lake_warehouse, assignments, rounds=3, rows_per_swap=200)
    docs = lake_warehouse.read_table("shard_docs")
    assert docs.height == len(shards) * 200
    assert docs.group_by("dump", "shard").len()["len"].to_list() == [200] * len(shards)
    assert set(docs["value"].to_list()) == {2}
    assert lake_warehouse.count("shard_files") == len(shards)
    print(f"4 processes x {len(shards) // 4 * 3} two-table swaps: all landed in {seconds:.1f} s")


def test_two_runs_of_one_partition_the_later_swap_wins(store: Warehouse) -> None:
    """Two processes swap the same partition over and over: the table always holds exactly one
    swap's rows (never a mix, never both), and both processes finish."""
    _run_writers(store, [[("CC-MAIN-A", 0)], [("CC-MAIN-A", 0)]], rounds=8, rows_per_swap=30)
    final = store.read_table("shard_docs")
    assert final.height == 30
    assert final["value"].n_unique() == 1 and final["id"].n_unique() == 30


def test_ducklake_maintenance_drops_files_of_replaced_partitions(lake_warehouse: Warehouse) -> None:
    for round_ in range(4):
        lake_warehouse.replace_partition("warehouse_test_rows", "dump", "A", rows("A", 10, round_))
    before = len(list(Path(lake_warehouse.data_path).rglob("*.parquet")))
    lake_warehouse.maintain(older_than_days=0)
    after = len(list(Path(lake_warehouse.data_path).rglob("*.parquet")))
    assert before >= 4 and after < before
    assert lake_warehouse.read_table("warehouse_test_rows")["value"].to_list() == [3] * 10
    Warehouse(path=lake_warehouse.data_path + "/unused.duckdb").maintain()  # a DuckDB file: no-op
