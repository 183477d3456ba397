"""Is a process that started at a known time still running? (for run-worker health checks)."""

from __future__ import annotations

import psutil

# A worker's RUN_START event is written a moment after its process starts; a process created
# later than this slack after that event is a new process that reused the pid.
PID_REUSE_SLACK_S = 5.0


def process_liveness(pid: int, started_by: float) -> tuple[bool, str]:
    """(alive, why) for the process `pid` known to have been running at time `started_by` (epoch
    seconds). Gone, zombie, or a different process now holding the pid all count as dead."""
    try:
        process = psutil.Process(pid)
        created = process.create_time()
        status = process.status()
    except psutil.NoSuchProcess:
        return False, f"process {pid} no longer exists"
    except psutil.AccessDenied:
        return True, f"process {pid} exists (not ours to inspect)"
    if status == psutil.STATUS_ZOMBIE:
        return False, f"process {pid} exited (zombie)"
    if created > started_by + PID_REUSE_SLACK_S:
        return False, f"process {pid} exited; the pid now belongs to a process started later"
    return True, f"process {pid} is running ({status})"
