"""A run whose worker dies does not block the queue: real `dagster-daemon` processes on a copy of
the project's dagster.yaml, real runs, a real SIGKILL.

Two blocking runs fill `max_concurrent_runs: 2` and a third waits in the queue. Then the daemon,
its code server and the run workers are all killed with SIGKILL (a crash, the OOM killer, a
reboot): nothing is left to report the runs' end, so they stay STARTED. A new daemon is started;
run monitoring finds the dead workers, marks both runs FAILURE, and the queued run launches.
Every process and file belongs to this test (its tmp dir)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest
import yaml

from mammoth_assets import paths

DEFS_FILE = Path(__file__).with_name("run_monitoring_defs.py")
BIN = Path(sys.executable).parent
POLL_S = 2  # the project polls every 30 s; the test does not wait that long


def instance_home(tmp_path: Path, config_text: str) -> Path:
    """A DAGSTER_HOME holding the given instance config, storage relocated under it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = yaml.safe_load(config_text)
    config["storage"] = {"sqlite": {"base_dir": str(home / "storage")}}
    config["local_artifact_storage"]["config"]["base_dir"] = str(home / "artifacts")
    config["compute_logs"]["config"]["base_dir"] = str(home / "compute_logs")
    if "run_monitoring" in config:
        config["run_monitoring"]["poll_interval_seconds"] = POLL_S
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    (home / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"python_file": {
        "relative_path": str(DEFS_FILE), "working_directory": str(paths.PROJECT_ROOT),
        "location_name": "run_monitoring_test"}}]}))
    (home / "markers").mkdir()
    return home


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home), "MAMMOTH_TEST_MARKERS": str(home / "markers"),
            "PYTHONPATH": str(paths.PROJECT_ROOT)}


def start_daemon(home: Path, log_name: str) -> subprocess.Popen:
    log = open(home / log_name, "w")
    return subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=home,
                            env=_env(home), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_tree(process: subprocess.Popen) -> list[int]:
    """SIGKILL the process and every descendant (all started by this test); their pids."""
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for member in tree:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=15)
    process.wait(timeout=15)
    return [member.pid for member in tree]


def launch(home: Path, job: str) -> None:
    subprocess.run([str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", job], cwd=home,
                   env=_env(home), check=True, capture_output=True, timeout=120)


def wait_for(condition, timeout_s: float, what: str, home: Path):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in home.glob("daemon*.log"))
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}\n{logs}")


def statuses(instance: dg.DagsterInstance) -> dict[str, tuple[str, dg.DagsterRunStatus]]:
    return {run.run_id: (run.job_name, run.status) for run in instance.get_runs()}


def dead_runs_block_the_queue_or_not(tmp_path: Path, config_text: str, after_restart_s: float):
    """Fill the queue, SIGKILL everything, restart the daemon; (instance, blocking run ids, run
    statuses, seconds from the restart) once the queued run succeeded or `after_restart_s` passed."""
    home = instance_home(tmp_path, config_text)
    instance = dg.DagsterInstance.from_config(str(home))
    first = start_daemon(home, "daemon-1.log")
    second = None
    try:
        for job in ("blocker", "blocker", "quick"):
            launch(home, job)
        blockers = [rid for rid, (job, _) in statuses(instance).items() if job == "blocker"]
        wait_for(lambda: all((home / "markers" / f"{rid}.started").exists() for rid in blockers), 120,
                 "both blocking runs to be running", home)
        time.sleep(3)  # the queue had its chance: the third run stays queued behind the two
        assert sorted(s.value for _, s in statuses(instance).values()) == ["QUEUED", "STARTED", "STARTED"]
        worker_pids = [int((home / "markers" / f"{rid}.started").read_text()) for rid in blockers]

        killed = kill_tree(first)
        assert set(worker_pids) <= set(killed) and not any(psutil.pid_exists(p) for p in worker_pids)
        assert [s for _, s in statuses(instance).values()].count(dg.DagsterRunStatus.STARTED) == 2

        second = start_daemon(home, "daemon-2.log")
        restarted = time.monotonic()
        quick_done = lambda: any(  # noqa: E731
            job == "quick" and status == dg.DagsterRunStatus.SUCCESS for job, status in statuses(instance).values())
        try:
            wait_for(quick_done, after_restart_s, "the queued run to succeed", home)
        except AssertionError:
            pass
        return instance, blockers, statuses(instance), time.monotonic() - restarted
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                kill_tree(process)


@pytest.mark.slow
def test_killed_runs_are_marked_failed_and_the_queue_moves_on(tmp_path: Path) -> None:
    started = time.monotonic()
    instance, blockers, final, _ = dead_runs_block_the_queue_or_not(
        tmp_path, (paths.PROJECT_ROOT / "dagster.yaml").read_text(), after_restart_s=90)
    assert {final[rid][1] for rid in blockers} == {dg.DagsterRunStatus.FAILURE}, final
    assert [status for job, status in final.values() if job == "quick"] == [dg.DagsterRunStatus.SUCCESS], final
    for rid in blockers:
        messages = [e.message or "" for e in instance.all_logs(rid)]
        assert any("run worker process" in m and "no longer exists" in m for m in messages), messages[-5:]
    assert time.monotonic() - started < 150
