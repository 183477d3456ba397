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
from mammoth_assets.defs.crawl.sensors import cc_dump_recheck_schedule, cc_dump_sensor
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
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="web_documents", partition="CC-MAIN-2023-50")
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
