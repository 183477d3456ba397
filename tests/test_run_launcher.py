"""The run launcher's worker health check on a real run whose process was SIGKILLed (the case of a
killed `mammoth demo`: an in-process run left STARTED), and Dagster's run monitoring acting on it."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
from dagster._core.launcher import WorkerStatus
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from mammoth_assets import paths
from mammoth_assets.core.processes import process_liveness
from mammoth_assets.run_launcher import LocalProcessRunLauncher
from tests.e2e.test_run_monitoring import instance_home

IN_PROCESS_RUN = """
import sys
import dagster as dg
sys.path.insert(0, sys.argv[2])
from run_monitoring_defs import blocker
with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    blocker.execute_in_process(instance=instance)
"""


def test_process_liveness() -> None:
    assert process_liveness(os.getpid(), time.time())[0]
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    alive, why = process_liveness(child.pid, time.time())
    assert not alive and "no longer exists" in why
    alive, why = process_liveness(os.getpid(), psutil.Process().create_time() - 3600)
    assert not alive and "started later" in why  # the pid was someone else's an hour ago


def test_killed_in_process_run_is_failed_by_run_monitoring(tmp_path: Path) -> None:
    home = instance_home(tmp_path, (paths.PROJECT_ROOT / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home), "MAMMOTH_TEST_MARKERS": str(home / "markers")}
    worker = subprocess.Popen([sys.executable, "-c", IN_PROCESS_RUN, str(home), str(Path(__file__).parent / "e2e")],
                              env=env, cwd=home)
    try:
        deadline = time.monotonic() + 120
        while not list((home / "markers").glob("*.started")) and time.monotonic() < deadline:
            assert worker.poll() is None, "the run process exited early"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_launcher, LocalProcessRunLauncher)
        [record] = instance.get_run_records()
        assert record.dagster_run.status == dg.DagsterRunStatus.STARTED  # nobody reported its death
        health = instance.run_launcher.check_run_worker_health(record.dagster_run)
        assert health.status == WorkerStatus.FAILED and str(worker.pid) in health.msg

        monitor_started_run(instance, None, record, logging.getLogger("test"))  # what the daemon does
        run = instance.get_run_by_id(record.dagster_run.run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE


def test_a_live_run_is_left_alone(tmp_path: Path) -> None:
    home = instance_home(tmp_path, (paths.PROJECT_ROOT / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(home)) as instance:

        @dg.op
        def check_myself(context) -> str:
            run = context.instance.get_run_by_id(context.run_id)
            return instance.run_launcher.check_run_worker_health(run).status.value

        @dg.job
        def self_check() -> None:
            check_myself()

        result = self_check.execute_in_process(instance=instance)
        assert result.output_for_node("check_myself") == WorkerStatus.RUNNING.value
