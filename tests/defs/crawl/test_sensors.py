"""The cc_dump sensor and the re-check schedule, reading a local collinfo.json."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.sample_dump import collinfo_entries
from mammoth_assets.defs.crawl import defs as crawl_defs
from mammoth_assets.defs.crawl.sensors import cc_dump_recheck_schedule, cc_dump_sensor, cc_shard_sensor
from mammoth_assets.defs.resources import WarehouseResource

DEFS = dg.Definitions.merge(crawl_defs, dg.Definitions(resources={"warehouse": WarehouseResource()}))


@pytest.fixture
def collinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "collinfo.json"
    entries = collinfo_entries(["CC-MAIN-2024-18", "CC-MAIN-2024-10", "CC-MAIN-2023-50", "CC-NEWS-2024-01"])
    path.write_text(json.dumps(entries))
    monkeypatch.setenv(cc.DumpDiscovery.ENV_URL, str(path))
    monkeypatch.delenv(cc.DumpDiscovery.ENV_SINCE, raising=False)
    monkeypatch.delenv(cc.DumpDiscovery.ENV_PATTERN, raising=False)
    monkeypatch.delenv("MAMMOTH_CC_SAMPLE_FILES", raising=False)
    return path


def _tick(instance: dg.DagsterInstance):
    return cc_dump_sensor(dg.build_sensor_context(instance=instance, definitions=DEFS))


def test_sensor_adds_new_dumps_and_requests_runs(collinfo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cc.DumpDiscovery.ENV_SINCE, "CC-MAIN-2024-01")
    monkeypatch.setenv("MAMMOTH_CC_SAMPLE_FILES", "2")
    instance = dg.DagsterInstance.ephemeral()
    result = _tick(instance)
    assert isinstance(result, dg.SensorResult)
    [add] = result.dynamic_partitions_requests
    assert add.partitions_def_name == "cc_dump"
    assert list(add.partition_keys) == ["CC-MAIN-2024-10", "CC-MAIN-2024-18"]  # no news crawl, nothing older
    assert [r.partition_key for r in result.run_requests] == ["CC-MAIN-2024-10", "CC-MAIN-2024-18"]
    assert all(r.job_name in (None, "crawl_dump_job") for r in result.run_requests)
    assert result.run_requests[0].run_config == {"ops": {"wet_files": {"config": {"sample_files": 2}}}}
    assert len({r.run_key for r in result.run_requests}) == 2

    instance.add_dynamic_partitions("cc_dump", list(add.partition_keys))
    again = _tick(instance)
    assert isinstance(again, dg.SkipReason) and "no new dumps" in again.skip_message


def test_sensor_picks_up_a_dump_added_later(collinfo: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2023-50", "CC-MAIN-2024-10", "CC-MAIN-2024-18"])
    assert isinstance(_tick(instance), dg.SkipReason)
    entries = json.loads(collinfo.read_text())
    collinfo.write_text(json.dumps(collinfo_entries(["CC-MAIN-2024-22"]) + entries))
    result = _tick(instance)
    assert [r.partition_key for r in result.run_requests] == ["CC-MAIN-2024-22"]


def test_sensor_reads_the_sample_mirror_collinfo(sample_mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cc.DumpDiscovery.ENV_URL, (sample_mirror / "collinfo.json").as_uri())
    result = _tick(dg.DagsterInstance.ephemeral())
    assert [r.partition_key for r in result.run_requests] == ["CC-MAIN-SAMPLE"]


def test_sensor_skips_with_the_reason_when_the_list_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cc.DumpDiscovery.ENV_URL, str(tmp_path / "missing.json"))
    result = _tick(dg.DagsterInstance.ephemeral())
    assert isinstance(result, dg.SkipReason) and "missing.json" in result.skip_message
    (tmp_path / "broken.json").write_text("{not json")
    monkeypatch.setenv(cc.DumpDiscovery.ENV_URL, str(tmp_path / "broken.json"))
    assert "not JSON" in _tick(dg.DagsterInstance.ephemeral()).skip_message


def test_schedule_adds_missed_dumps_and_retries_unmaterialized_ones(collinfo: Path) -> None:
    with dg.instance_for_test() as instance:  # a schedule context needs a persistent instance
        instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2023-50"])
        instance.report_runless_asset_event(  # a dump counts as listed once wet_files has materialized
            dg.AssetMaterialization(asset_key="wet_files", partition="CC-MAIN-2023-50")
        )
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 23, 6, tzinfo=timezone.utc))
        requests = list(cc_dump_recheck_schedule(context))
        partitions = sorted(instance.get_dynamic_partitions("cc_dump"))
    assert partitions == ["CC-MAIN-2023-50", "CC-MAIN-2024-10", "CC-MAIN-2024-18"]
    assert [r.partition_key for r in requests] == ["CC-MAIN-2024-10", "CC-MAIN-2024-18"]


def test_parse_collinfo_rejects_bad_shapes() -> None:
    assert cc.parse_collinfo(b'[{"id": "CC-MAIN-2024-10"}, {"name": "no id"}, 3]') == ["CC-MAIN-2024-10"]
    with pytest.raises(cc.CommonCrawlError):
        cc.parse_collinfo(b'{"id": "x"}')


def test_definitions_load_with_sensor_schedule_and_job() -> None:
    repo = DEFS.get_repository_def()
    assert repo.has_sensor_def("cc_dump_sensor")
    assert repo.has_schedule_def("cc_dump_recheck_schedule")
    assert repo.get_job("crawl_dump_job").partitions_def.name == "cc_dump"
    assert repo.has_sensor_def("cc_shard_sensor")
    shard_job = repo.get_job("crawl_shard_job")
    assert isinstance(shard_job.partitions_def, dg.MultiPartitionsDefinition)
    assert {d.name for d in shard_job.partitions_def.partitions_defs} == {"cc_dump", "shard"}


def _listed(instance: dg.DagsterInstance, dump: str, shards: int, layout_changed: bool = False) -> None:
    """What a wet_files materialization of the dump records (its shard count, whether it re-laid)."""
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key="wet_files", partition=dump, metadata={"shards": shards, "layout_changed": layout_changed}))
    known = set(instance.get_dynamic_partitions("shard"))
    instance.add_dynamic_partitions("shard", [f"{i:05d}" for i in range(shards) if f"{i:05d}" not in known])


def _crawled(instance: dg.DagsterInstance, dump: str, shard: str) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key="web_documents", partition=str(dg.MultiPartitionKey({"cc_dump": dump, "shard": shard}))))


def _shard_tick(instance: dg.DagsterInstance):
    return cc_shard_sensor(dg.build_sensor_context(instance=instance, definitions=DEFS))


def test_shard_sensor_requests_every_uncrawled_shard_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2024-10", "CC-MAIN-2024-18"])
        _listed(instance, "CC-MAIN-2024-10", 3)
        _listed(instance, "CC-MAIN-2024-18", 2)
        waiting = _shard_tick(instance)
        assert isinstance(waiting, dg.SkipReason) and "recall_classifier" in waiting.skip_message
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="recall_classifier"))
        _crawled(instance, "CC-MAIN-2024-10", "00001")
        requests = _shard_tick(instance)
        keys = [str(r.partition_key) for r in requests]
        assert keys == ["CC-MAIN-2024-10|00000", "CC-MAIN-2024-10|00002", "CC-MAIN-2024-18|00000",
                        "CC-MAIN-2024-18|00001"]  # the crawled shard is not requested again
        assert all(r.job_name in (None, "crawl_shard_job") for r in requests)
        assert requests[0].tags == {"cc_dump": "CC-MAIN-2024-10", "shard": "00000"}
        assert len({r.run_key for r in requests}) == 4
        monkeypatch.setenv("MAMMOTH_SHARD_RUNS_PER_TICK", "2")
        assert [str(r.partition_key) for r in _shard_tick(instance)] == keys[:2]  # bounded per tick

        for dump, shard in (("CC-MAIN-2024-10", "00000"), ("CC-MAIN-2024-10", "00002"),
                            ("CC-MAIN-2024-18", "00000"), ("CC-MAIN-2024-18", "00001")):
            _crawled(instance, dump, shard)
        done = _shard_tick(instance)
        assert isinstance(done, dg.SkipReason) and "every listed shard is crawled" in done.skip_message


def test_shard_sensor_recrawls_shards_of_a_new_layout_with_new_run_keys() -> None:
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2024-10"])
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="recall_classifier"))
        _listed(instance, "CC-MAIN-2024-10", 2)
        first = {r.run_key for r in _shard_tick(instance)}
        _crawled(instance, "CC-MAIN-2024-10", "00000")
        _crawled(instance, "CC-MAIN-2024-10", "00001")
        assert isinstance(_shard_tick(instance), dg.SkipReason)
        _listed(instance, "CC-MAIN-2024-10", 2)  # listed again, same layout: nothing to redo
        assert isinstance(_shard_tick(instance), dg.SkipReason)
        _listed(instance, "CC-MAIN-2024-10", 4, layout_changed=True)  # a new layout: every shard is stale
        again = _shard_tick(instance)
        assert [str(r.partition_key).rpartition("|")[2] for r in again] == ["00000", "00001", "00002", "00003"]
        assert not {r.run_key for r in again} & first  # new run keys, so the daemon launches them
