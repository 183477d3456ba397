"""Concurrency by Dagster pools: the LLM stages and training sit in pools, and the project's
dagster.yaml gives each pool one slot, which really serialises steps that would run together."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.defs.conventions import GPU_POOL, LLM_POOL
from tests.defs import pool_probe

REPO = Path(__file__).resolve().parents[2]

# Assets that send requests through the `llm` resource. alpagasus_subset also takes the resource,
# only to read the request log (it makes no LLM call), so it stays out of the pool.
LLM_ASSETS = {"domain_verdicts", "extracted_qa", "refined_qa", "quality_scores", "judge_answers",
              "judge_verdicts", "pot_programs", "benchmark_generations"}
LLM_RESOURCE_WITHOUT_CALLS = {"alpagasus_subset"}


def _pools() -> dict[str, set[str]]:
    from mammoth_assets.definitions import defs

    graph = defs.get_repository_def().asset_graph
    return {key.to_user_string(): set(graph.get(key).pools or ()) for key in graph.get_all_asset_keys()}


def test_every_llm_stage_is_in_the_llm_pool_and_training_in_the_gpu_pool() -> None:
    from mammoth_assets.definitions import defs

    pools = _pools()
    assert {name for name, p in pools.items() if LLM_POOL in p} == LLM_ASSETS
    assert {name for name, p in pools.items() if GPU_POOL in p} == {"sft_checkpoint"}
    repo = defs.get_repository_def()
    using_llm = {
        key.to_user_string()
        for assets_def in repo.assets_defs_by_key.values()
        if "llm" in assets_def.required_resource_keys
        for key in assets_def.keys
    }
    assert using_llm == LLM_ASSETS | LLM_RESOURCE_WITHOUT_CALLS


@pytest.fixture
def project_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An instance configured by the repository's own dagster.yaml, its storage moved under the
    test's directory."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = (REPO / "dagster.yaml").read_text().replace("data/dagster/", f"{tmp_path}/dagster/")
    (home / "dagster.yaml").write_text(config)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_dagster_yaml_gives_each_pool_one_slot_per_step(project_instance) -> None:
    config = project_instance.get_concurrency_config()
    assert config.pool_config.default_pool_limit == 1
    assert config.pool_config.pool_granularity.value == "op"


def _intervals(job_fn, instance: dg.DagsterInstance, log: Path) -> list[tuple[float, float]]:
    result = dg.execute_job(dg.reconstructable(job_fn), instance=instance,
                            run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}})
    assert result.success
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    log.unlink()
    return sorted((row["start"], row["end"]) for row in rows)


@pytest.mark.slow
def test_two_llm_stages_never_overlap_while_unpooled_steps_do(
    project_instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "probe.jsonl"
    monkeypatch.setenv("POOL_PROBE_LOG", str(log))
    (first, second) = _intervals(pool_probe.unpooled_job, project_instance, log)
    assert second[0] < first[1], "control: without a pool the two steps run at the same time"
    (first, second) = _intervals(pool_probe.pooled_job, project_instance, log)
    assert second[0] >= first[1], "the llm pool's single slot serialises the two steps"
    info = project_instance.event_log_storage.get_concurrency_info(LLM_POOL)
    assert info.slot_count == 1 and not info.claimed_slots
