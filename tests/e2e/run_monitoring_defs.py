"""Code location for test_run_monitoring: a job that blocks until its worker is killed, and a quick
job that only runs once the queue lets it."""

import os
import time
from pathlib import Path

import dagster as dg


@dg.op
def wait_until_killed(context: dg.OpExecutionContext) -> None:
    (Path(os.environ["MAMMOTH_TEST_MARKERS"]) / f"{context.run_id}.started").write_text(str(os.getpid()))
    time.sleep(600)


@dg.op
def finish_at_once(context: dg.OpExecutionContext) -> None:
    (Path(os.environ["MAMMOTH_TEST_MARKERS"]) / f"{context.run_id}.finished").write_text(str(os.getpid()))


@dg.job(executor_def=dg.in_process_executor)
def blocker() -> None:
    wait_until_killed()


@dg.job(executor_def=dg.in_process_executor)
def quick() -> None:
    finish_at_once()


defs = dg.Definitions(jobs=[blocker, quick])
