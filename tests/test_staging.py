"""Per-run staging directories: runs never share staged files, dead runs' staging is swept at
start, live runs' staging never is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from mammoth_assets import staging
from mammoth_assets.core import safe_paths
from mammoth_assets.warehouse import ParquetStager, Warehouse

HOLDER = """
import sys, time
from mammoth_assets import staging
from mammoth_assets.core import safe_paths
print(staging.run_dir(sys.argv[1], sys.argv[2]), flush=True)
time.sleep(600)
"""


def start_holder(root: Path, run_id: str) -> tuple[subprocess.Popen, Path]:
    """A separate process that claims a staging directory and keeps living."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), run_id], stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline().strip()
    assert line, "holder process printed no staging directory"
    return process, Path(line)


def test_two_runs_of_one_partition_stage_apart_and_the_later_swap_wins(warehouse: Warehouse) -> None:
    first = Warehouse(path=warehouse.path, run_id="run-aaaa")
    second = Warehouse(path=warehouse.path, run_id="run-bbbb")
    a = ParquetStager(first.staging_dir("docs", "CC-MAIN-A"))
    b = ParquetStager(second.staging_dir("docs", "CC-MAIN-A"))
    assert a.directory != b.directory
    a.write(pl.DataFrame({"dump": ["CC-MAIN-A"] * 3, "run": ["a"] * 3}))
    b.write(pl.DataFrame({"dump": ["CC-MAIN-A"] * 2, "run": ["b"] * 2}))
    # The second run swaps in and cleans up everything it staged: the first run's files survive.
    second.replace_partition("docs", "dump", "CC-MAIN-A", b.files)
    b.cleanup()
    second.release_staging()
    assert all(f.exists() for f in a.files)
    assert first.replace_partition("docs", "dump", "CC-MAIN-A", a.files) == 3
    assert set(first.read_table("docs")["run"].to_list()) == {"a"}


def test_a_killed_run_is_swept_and_a_live_one_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "staging"
    dead, dead_dir = start_holder(root, "run-dead")
    live, live_dir = start_holder(root, "run-live")
    try:
        (dead_dir / "web_documents").mkdir()
        (dead_dir / "web_documents" / "part-00000.parquet").write_bytes(b"x" * 1000)
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        removed = staging.sweep(root)
        assert removed == [dead_dir]
        assert not dead_dir.exists() and live_dir.exists()
    finally:
        for process in (dead, live):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    # Once the live one has died too, the next start sweeps it.
    assert staging.sweep(root) == [live_dir]


def test_staging_without_an_owner_is_swept_only_once_old(tmp_path: Path) -> None:
    root = tmp_path / "staging"
    old = root / "web_documents" / "CC-MAIN-A"  # the layout before per-run directories
    fresh = root / "recalled_documents" / "CC-MAIN-A"
    for path in (old, fresh):
        path.mkdir(parents=True)
        (path / "part-00000.parquet").write_bytes(b"x")
    a_day_ago = time.time() - 2 * 24 * 3600
    os.utime(root / "web_documents", (a_day_ago, a_day_ago))
    assert staging.sweep(root, stale_after_s=24 * 3600) == [root / "web_documents"]
    assert fresh.exists()


def test_first_staging_request_of_a_process_sweeps(tmp_path: Path) -> None:
    root = tmp_path / "staging"
    dead, dead_dir = start_holder(root, "run-dead")
    dead.kill()
    dead.wait(timeout=30)
    sweeper = subprocess.run(
        [sys.executable, "-c", HOLDER.replace("time.sleep(600)", ""), str(root), "run-next"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert not dead_dir.exists()
    assert Path(sweeper.stdout.strip()).name.startswith("run-runnext-")


def test_own_directory_is_never_swept_and_released_on_request(warehouse: Warehouse) -> None:
    directory = warehouse.staging_dir("docs", "A")
    assert staging.sweep(warehouse.staging_root) == []
    assert directory.exists()
    warehouse.release_staging()
    assert not directory.parent.parent.exists()


@pytest.mark.parametrize("part", ["..", "../x", "a/b", "", ".hidden", "x\x00y"])
def test_unsafe_path_parts_are_rejected(warehouse: Warehouse, part: str) -> None:
    with pytest.raises((safe_paths.UnsafeNameError, safe_paths.UnsafePathError)):
        warehouse.staging_dir("docs", part)
