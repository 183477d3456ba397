"""Kill a sharded crawl mid-way and run it again: only the unfinished shards run again, no row is
duplicated, and the dump's totals reconcile (records = documents + rejects, every document scored)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.core.sample_dump import build_sample_mirror
from mammoth_assets.defs.crawl import wet_files
from mammoth_assets.defs.crawl.progress import COMPLETE_CHECK, dump_progress
from mammoth_assets.defs.recall import recall_classifier, recall_seeds
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.crawl.shard_backfill import RUN_CONFIG

pytestmark = pytest.mark.slow

DUMP = "CC-MAIN-2026-48"
FILES, DOCS_PER_FILE = 6, 300
SMALL_MODEL = {"dim": 16, "epoch": 5, "lr": 0.5, "word_ngrams": 2, "min_count": 1, "bucket": 20_000,
               "min_heldout_precision": 0.0, "min_heldout_recall": 0.0}


def shard_runs(instance: dg.DagsterInstance) -> dict[str, int]:
    """Successful web_documents materializations per shard partition."""
    records = instance.fetch_materializations(dg.AssetKey("web_documents"), limit=1000).records
    counts: dict[str, int] = {}
    for record in records:
        key = record.partition_key
        counts[key] = counts.get(key, 0) + 1
    return counts


def backfill(env: dict[str, str], kill_after: int | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.defs.crawl.shard_backfill"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    if kill_after is None:
        return process
    finished = 0
    deadline = time.monotonic() + 300
    while finished < kill_after:
        line = process.stdout.readline()
        assert line, f"the backfill ended before {kill_after} shards: {process.stderr.read()[-2000:]}"
        finished += '"success": true' in line
        assert time.monotonic() < deadline
    time.sleep(0.3)  # into the next shard's run
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    return process


def test_a_killed_backfill_resumes_with_the_unfinished_shards_only(tmp_path: Path, isolated_data_dir: Path) -> None:
    mirror = tmp_path / "mirror"
    build_sample_mirror(mirror, dump=DUMP, files=FILES, docs_per_file=DOCS_PER_FILE, with_warc=False)
    home = tmp_path / "dagster"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "MAMMOTH_DATA_DIR": str(isolated_data_dir)}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("cc_dump", [DUMP])
        resources = {"warehouse": WarehouseResource(), "llm": LLMResource()}
        listed = dg.materialize([wet_files], instance=instance, resources=resources, partition_key=DUMP, run_config={
            "ops": {"wet_files": {"config": {"base_url": mirror.as_uri(), "files_per_shard": 1}}}})
        assert listed.success
        seeds = {"seed_domains_file": str(mirror / "crawl-data" / DUMP / "seed-domains.txt"),
                 "num_positives": 400, "num_negatives": 400, "negative_pool_rate": 0.5}
        trained = dg.materialize([recall_seeds, recall_classifier], instance=instance, resources=resources, run_config={
            "ops": {"recall_seeds": {"config": seeds}, "recall_classifier": {"config": SMALL_MODEL}}})
        assert trained.success

    backfill(env, kill_after=2)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        before = shard_runs(instance)
    assert 2 <= len(before) < FILES and all(n == 1 for n in before.values())

    rerun = backfill(env)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-3000:]
    rerun_partitions = [line for line in out.splitlines() if line.startswith("{")]
    assert len(rerun_partitions) == FILES - len(before)  # only the unfinished shards ran
    assert not any(key in line for key in before for line in rerun_partitions)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        after = shard_runs(instance)
        assert len(after) == FILES and all(n == 1 for n in after.values())  # no shard was redone
        progress = dg.materialize([dump_progress], instance=instance, partition_key=DUMP,
                                  resources={"warehouse": WarehouseResource()})
    [check] = progress.get_asset_check_evaluations()
    assert check.check_name == COMPLETE_CHECK and check.passed, check.metadata
    wh = Warehouse(path=isolated_data_dir / "warehouse.duckdb")
    docs = wh.query_text("SELECT count(*) AS n, count(DISTINCT doc_id) AS ids FROM web_documents").row(0, named=True)
    assert docs["n"] == docs["ids"] == FILES * DOCS_PER_FILE - 3  # 3 edge records are rejected
    assert wh.count("recall_scores_round1") == docs["n"]
    assert RUN_CONFIG  # the same config both times
