"""Shards executed by Ray workers: a local Ray cluster started by the test, and the project's own
crawl_shard_job run with MAMMOTH_EXECUTOR=ray, so dagster-ray's ray_executor submits every step
(the shard's read + score pass and its checks) as a Ray job. The runs are recorded in a persistent
Dagster instance as the daemon would record them; the rows land in the warehouse and reconcile."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.core.sample_dump import DUMP
from mammoth_assets.defs.executors import ENV_EXECUTOR, ENV_RAY_ADDRESS
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.shard_runs import OPEN_BAND, list_dump, train_round1

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]', part of the test extra)")
pytest.importorskip("dagster_ray", reason="dagster-ray is not installed (pip install -e '.[ray]')")

pytestmark = pytest.mark.slow


@pytest.fixture
def ray_cluster():
    """A local Ray head with the job-submission server, on 127.0.0.1, stopped after the test."""
    from ray.job_submission import JobSubmissionClient

    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray puts unix sockets under it
    context = ray.init(num_cpus=2, include_dashboard=True, dashboard_host="127.0.0.1", dashboard_port=0,
                       _temp_dir=temp, configure_logging=False, log_to_driver=False)
    address = f"http://{context.dashboard_url}"
    try:
        yield address, JobSubmissionClient(address)
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def ray_executor_env(ray_cluster):
    """MAMMOTH_EXECUTOR=ray for this test only. The executor is chosen when mammoth_assets.definitions
    is imported (as a code location loads it), so the module is re-imported with the variables set,
    and again without them afterwards (other tests in this process keep the default executor)."""
    import importlib
    import os

    import mammoth_assets.definitions as definitions

    address, client = ray_cluster
    os.environ[ENV_EXECUTOR], os.environ[ENV_RAY_ADDRESS] = "ray", address
    try:
        assert importlib.reload(definitions).defs.resolve_job_def("crawl_shard_job").executor_def.name == "ray"
        yield address, client
    finally:
        del os.environ[ENV_EXECUTOR], os.environ[ENV_RAY_ADDRESS]
        importlib.reload(definitions)


def test_shard_steps_run_as_ray_jobs(ray_executor_env, sample_mirror: Path, tmp_path: Path, isolated_data_dir: Path) -> None:
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from ray.job_submission import JobStatus

    _, client = ray_executor_env
    home = tmp_path / "dagster"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        resources = {"warehouse": WarehouseResource()}
        assert list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=2).success
        train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt")

        # Steps start as `<this venv's python> -m dagster api execute_step ...` on the Ray worker (a
        # cluster's workers have `dagster` on PATH in their image; this test's PATH may not).
        repository = ReconstructableRepository.for_module("mammoth_assets.definitions", "defs")._replace(
            entry_point=[sys.executable, "-m", "dagster"])
        job = repository.get_reconstructable_job("crawl_shard_job")
        run_ids = []
        for shard in ("00000", "00001"):
            key = dg.MultiPartitionKey({"cc_dump": DUMP, "shard": shard})
            result = dg.execute_job(
                job, instance, tags={"dagster/partition": str(key)},
                run_config={"ops": {"crawl_and_score_shard": {"config": OPEN_BAND}}},
            )
            assert result.success, [str(e.event_specific_data) for e in result.all_events if e.is_failure]
            run_ids.append(result.run_id)
            logs = instance.all_logs(result.run_id)
            assert any('in Ray job' in (e.message or "") for e in logs), "the step did not go to Ray"
            evaluations = [e.dagster_event.event_specific_data for e in logs
                           if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"]
            assert len(evaluations) == 6 and all(e.passed for e in evaluations)
            assert "recall_scores_round1_reconciled" in {e.check_name for e in evaluations}

        # Ray ran one job per step of each run (the pass and five standalone checks), all done.
        jobs = [j for j in client.list_jobs() if (j.metadata or {}).get("dagster/run-id") in run_ids]
        deadline = time.monotonic() + 60
        while any(j.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED) for j in jobs) and time.monotonic() < deadline:
            time.sleep(1)
            jobs = [j for j in client.list_jobs() if (j.metadata or {}).get("dagster/run-id") in run_ids]
        assert len(jobs) == 2 * 6 and {j.status for j in jobs} == {JobStatus.SUCCEEDED}
        assert {j.metadata["dagster/op"] for j in jobs} >= {"crawl_and_score_shard"}
        assert all("execute_step" in j.entrypoint for j in jobs)
        done = instance.get_materialized_partitions(dg.AssetKey("web_documents"))
        assert {str(k) for k in done} == {f"{DUMP}|00000", f"{DUMP}|00001"}

    wh = Warehouse(path=isolated_data_dir / "warehouse.duckdb")
    per_shard = dict(wh.query_text("SELECT shard, count(*) AS n FROM web_documents GROUP BY shard").rows())
    assert set(per_shard) == {"00000", "00001"} and all(n > 100 for n in per_shard.values())
    records = int(wh.read_table("web_documents_files")["records"].sum())
    assert records == sum(per_shard.values()) + wh.count("web_documents_rejects")
    assert wh.count("recall_scores_round1") == sum(per_shard.values())


def test_the_shipped_ray_instance_config_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/ray/dagster.yaml is a valid instance config whose run launcher is dagster-ray's."""
    from mammoth_assets import paths

    shutil.copy(paths.PROJECT_ROOT / "deploy" / "ray" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("RAY_ADDRESS", "http://127.0.0.1:8265")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        launcher = instance.run_launcher
        assert type(launcher).__name__ == "RayRunLauncher"
        assert launcher.address == "http://127.0.0.1:8265" and launcher.num_cpus == 1
        assert "MAMMOTH_DATA_DIR" in launcher.env_vars
