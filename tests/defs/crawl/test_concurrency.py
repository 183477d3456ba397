"""The shards of two dumps materialized at once, in two OS processes, into one DuckDB warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets import paths
from mammoth_assets.core.sample_dump import build_sample_mirror
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.shard_runs import list_dump, train_round1

WORKER = Path(__file__).with_name("materialize_partition.py")
DUMPS = ("CC-MAIN-2099-01", "CC-MAIN-2099-02")


@pytest.mark.slow
def test_two_partitions_in_two_processes_both_land(tmp_path: Path, isolated_data_dir: Path) -> None:
    mirror = tmp_path / "mirror"
    for seed, dump in enumerate(DUMPS):
        build_sample_mirror(mirror, seed=seed, dump=dump)
    warehouse_path = tmp_path / "shared.duckdb"
    # Round 1 is trained once (a cross-dump asset) before the shard runs start.
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": WarehouseResource(path=str(warehouse_path))}
    assert list_dump(instance, resources, DUMPS[0], mirror.as_uri()).success
    train_round1(instance, resources, mirror / "crawl-data" / DUMPS[0] / "seed-domains.txt")
    env = {**os.environ, "PYTHONPATH": str(paths.PROJECT_ROOT), "MAMMOTH_DATA_DIR": str(isolated_data_dir)}
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(warehouse_path), dump, mirror.as_uri(), str(barrier), str(len(DUMPS))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for dump in DUMPS
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    summaries = []
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
        assert "Could not set lock" not in stderr and "Conflicting lock" not in stderr, stderr[-3000:]
        summaries.append(json.loads(stdout.strip().splitlines()[-1]))
    for summary in summaries:
        assert summary["success"] and not summary["errors"]
        assert summary["runs"] == 4  # wet_files + three shards
        assert len(summary["checks"]) >= 3 * 6 and all(summary["checks"].values()), summary

    wh = Warehouse(path=warehouse_path)
    counts = {dump: wh.count("web_documents", "dump", dump) for dump in DUMPS}
    assert all(n > 400 for n in counts.values()), counts
    files = wh.read_table("web_documents_files")
    assert sorted(set(files["dump"].to_list())) == list(DUMPS)
    for dump in DUMPS:
        assert wh.count("wet_files", "dump", dump) == 3
        rows = wh.query_text("SELECT f.wet_file, d.shard FROM web_documents d JOIN wet_files f USING (dump, file_index) "
                             "WHERE d.dump = $dump", {"dump": dump})
        assert set(rows["wet_file"].map_elements(lambda p: p.split("/")[1], return_dtype=str).to_list()) == {dump}
        assert sorted(set(rows["shard"])) == ["00000", "00001", "00002"]
        assert wh.count("recall_scores_round1", "dump", dump) == counts[dump]
