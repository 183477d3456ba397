"""The Dagster run launcher named in dagster.yaml: Dagster's DefaultRunLauncher plus a run-worker
health check, so that Dagster's own run monitoring (the daemon) marks a run whose worker process
died as failed and the run queue moves on.

Why this exists: run monitoring asks the launcher about each STARTED run, and the
DefaultRunLauncher cannot answer (`supports_check_run_worker_health` is False in Dagster 1.13), so
a run whose worker was killed together with its code server (kill -9, OOM killer, reboot, a killed
`mammoth demo` or `dagster dev`) stayed STARTED forever and held one of `max_concurrent_runs`.
Docker and Kubernetes launchers answer by asking for their container's state; a local worker is
a process, so we ask for the process that wrote the run's RUN_START event (its pid is on the event).
"""

from __future__ import annotations

import socket

from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.remote_origin import GrpcServerCodeLocationOrigin
from dagster._core.storage.dagster_run import DagsterRun

from mammoth_assets.core.processes import process_liveness

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class LocalProcessRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose run workers (local processes) can be health-checked."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        if not _runs_on_this_host(run):
            return CheckRunHealthResult(WorkerStatus.RUNNING, "worker runs on another host: not checked")
        records = self._instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1
        ).records
        if not records or records[0].event_log_entry.dagster_event is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no RUN_START event yet")
        entry = records[0].event_log_entry
        pid = entry.dagster_event.pid
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "RUN_START event carries no pid")
        alive, why = process_liveness(pid, entry.timestamp)
        status = WorkerStatus.RUNNING if alive else WorkerStatus.FAILED
        return CheckRunHealthResult(status, f"run worker {why}", run_worker_id=str(pid))


def _runs_on_this_host(run: DagsterRun) -> bool:
    """Runs executed in-process (no origin) and runs of code servers this instance starts itself run
    here; a code server given by host and port may be another machine."""
    origin = run.remote_job_origin
    if origin is None:
        return True
    location = origin.repository_origin.code_location_origin
    if isinstance(location, GrpcServerCodeLocationOrigin):
        return location.host in LOCAL_HOSTS | {socket.gethostname()}
    return True
