"""Untrusted names in real Dagster runs: partition keys, paths listings and staging symlinks never
make the crawl write or delete outside the data dir. Every file touched lives in the test's tmp dir."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.sample_dump import DUMP, build_sample_mirror, collinfo_entries
from mammoth_assets.defs.crawl import defs as crawl_defs
from mammoth_assets.defs.crawl import wet_files
from mammoth_assets.defs.crawl.assets import WET_FILES_SCHEMA
from mammoth_assets.defs.crawl.sensors import cc_dump_sensor
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.core.http_mirror import Faults, serve
from tests.defs.shard_runs import crawl_shard, list_dump, train_round1

TRAVERSING_KEY = "x/../../.."


def _failure_text(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        str(e.event_specific_data.error) for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    )


def _materialize(instance, assets, key: str, data: Path, run_config: dict | None = None):
    if key not in instance.get_dynamic_partitions("cc_dump"):
        instance.add_dynamic_partitions("cc_dump", [key])
    return dg.materialize(
        assets, partition_key=key, instance=instance,
        resources={"warehouse": WarehouseResource(path=str(data / "warehouse.duckdb"), lock_timeout_s=60)},
        run_config=run_config or {}, raise_on_error=False,
    )


def _canaries(data: Path) -> list[Path]:
    """Files a wrongly aimed rmtree would take with it: the data dir's own and its parent's."""
    files = [data / "artifacts" / "checkpoint.bin", data / "llm_cache.duckdb", data.parent / "beside-data.txt"]
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("precious")
    return files


def test_traversing_cc_dump_key_deletes_nothing(isolated_data_dir: Path, sample_mirror: Path) -> None:
    """Measured on main: key `x/../../..` made web_documents rmtree the whole data dir. Now the
    shard pass (web_documents, partition `cc_dump x shard`) refuses such a dump and shard key."""
    data = isolated_data_dir
    canaries = _canaries(data)
    # wet_files rows for the key, as a run listing them would have stored (pointing at real files).
    listed = cc.plan_wet_files(DUMP, sample_mirror.as_uri()).rows
    rows = [{**row, "dump": TRAVERSING_KEY} for row in listed]
    Warehouse(path=data / "warehouse.duckdb").replace_partition(
        "wet_files", "dump", TRAVERSING_KEY, pl.DataFrame(rows, schema=WET_FILES_SCHEMA))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [TRAVERSING_KEY, DUMP])
    instance.add_dynamic_partitions("shard", ["00000", "../.."])
    resources = {"warehouse": WarehouseResource(path=str(data / "warehouse.duckdb"), lock_timeout_s=60)}

    documents = crawl_shard(instance, resources, TRAVERSING_KEY, "00000")
    listing = _materialize(instance, [wet_files], TRAVERSING_KEY, data,
                           {"ops": {"wet_files": {"config": {"base_url": sample_mirror.as_uri()}}}})
    for result in (documents, listing):
        assert not result.success
        assert "is not a Common Crawl dump id" in _failure_text(result)
    bad_shard = crawl_shard(instance, resources, DUMP, "../..")
    assert not bad_shard.success and "not a shard name" in _failure_text(bad_shard)
    assert all(f.read_text() == "precious" for f in canaries)
    assert (data / "warehouse.duckdb").is_file()
    assert not (data / "staging").exists() or not any((data / "staging").rglob("*.parquet"))


def test_paths_listing_with_dotdot_is_refused_and_nothing_escapes_the_cache(
    isolated_data_dir: Path, tmp_path: Path
) -> None:
    """Measured on main: a wet.paths.gz line with `../` wrote outside the download cache."""
    dump = "CC-MAIN-2099-01"
    mirror = tmp_path / "mirror"
    manifest = build_sample_mirror(mirror, dump=dump)
    hostile = f"crawl-data/{dump}/../../../../../../escaped.warc.wet.gz"
    shutil.copy(mirror / manifest.wet_paths[0], mirror / "escaped.warc.wet.gz")  # what the server answers
    listing = mirror / "crawl-data" / dump / "wet.paths.gz"
    listing.write_bytes(gzip.compress(("\n".join([*manifest.wet_paths, hostile]) + "\n").encode()))
    instance = dg.DagsterInstance.ephemeral()
    with serve(mirror, Faults()) as (base_url, _):  # listing the dump is where the hostile line is met
        result = _materialize(instance, [wet_files], dump, isolated_data_dir,
                              {"ops": {"wet_files": {"config": {"base_url": base_url}}}})
    assert not result.success
    message = _failure_text(result)
    assert "wet.paths.gz line 4" in message and "unsafe component '..'" in message
    assert list(tmp_path.rglob("escaped.warc.wet.gz")) == [mirror / "escaped.warc.wet.gz"]


def test_fetch_file_refuses_a_path_that_leaves_the_cache(isolated_data_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    manifest = build_sample_mirror(mirror, dump="CC-MAIN-2099-01")
    shutil.copy(mirror / manifest.wet_paths[0], mirror / "escaped.warc.wet.gz")
    from mammoth_assets.cli import main

    with serve(mirror, Faults()) as (base_url, faults):
        code = main(["fetch-file", "CC-MAIN-2099-01", "crawl-data/x/../../../../../escaped.warc.wet.gz",
                     "--base-url", base_url])
    assert code == 2 and not faults.requests
    assert list(tmp_path.rglob("escaped.warc.wet.gz")) == [mirror / "escaped.warc.wet.gz"]


def test_symlinked_staging_dir_is_not_followed(isolated_data_dir: Path, sample_mirror: Path, tmp_path: Path) -> None:
    """A symlink planted in the staging tree (where the pre-per-run layout staged web_documents) is
    neither followed nor emptied: runs stage in fresh directories of their own, and the sweep of
    stale staging skips symlinks."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / DUMP).mkdir(parents=True)
    (elsewhere / DUMP / "canary.txt").write_text("precious")
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": WarehouseResource(path=str(isolated_data_dir / "warehouse.duckdb"))}
    assert list_dump(instance, resources, DUMP, sample_mirror.as_uri()).success
    train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt")
    staging = isolated_data_dir / "staging"
    staging.mkdir(exist_ok=True)
    (staging / "crawl_shard").symlink_to(elsewhere)  # where the shard pass staged before per-run dirs
    os.utime(staging / "crawl_shard", (0, 0), follow_symlinks=False)  # older than any bound
    result = crawl_shard(instance, resources, DUMP, "00000")
    assert result.success
    assert (staging / "crawl_shard").is_symlink()
    assert (elsewhere / DUMP / "canary.txt").read_text() == "precious"
    assert sorted(p.name for p in (elsewhere / DUMP).iterdir()) == ["canary.txt"]


def test_sensor_adds_only_valid_dump_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with a pattern that matches anything, a collection list entry that is not a dump id
    never becomes a partition."""
    collinfo = tmp_path / "collinfo.json"
    entries = collinfo_entries(["CC-MAIN-2024-10", "x/../../..", "CC-MAIN-2024-18/../../etc", "CC-MAIN-2024-18"])
    collinfo.write_text(json.dumps(entries))
    monkeypatch.setenv(cc.DumpDiscovery.ENV_URL, str(collinfo))
    monkeypatch.setenv(cc.DumpDiscovery.ENV_PATTERN, ".*")
    monkeypatch.delenv(cc.DumpDiscovery.ENV_SINCE, raising=False)
    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions.merge(crawl_defs, dg.Definitions(resources={"warehouse": WarehouseResource()}))
    result = cc_dump_sensor(dg.build_sensor_context(instance=instance, definitions=defs))
    assert isinstance(result, dg.SensorResult)
    [add] = result.dynamic_partitions_requests
    assert list(add.partition_keys) == ["CC-MAIN-2024-10", "CC-MAIN-2024-18"]
    assert [r.partition_key for r in result.run_requests] == ["CC-MAIN-2024-10", "CC-MAIN-2024-18"]
