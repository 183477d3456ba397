"""Where the steps of a run execute.

By default Dagster's multiprocess executor runs them on this machine. Beyond one machine the
project uses an existing engine instead of its own: with `MAMMOTH_EXECUTOR=ray`, every step (one
shard's read + score pass, one shard's extraction, ...) is submitted as a Ray job to the cluster at
`MAMMOTH_RAY_ADDRESS` (the Ray dashboard/job-submission address, e.g. http://ray-head:8265) by
dagster-ray's `ray_executor`; Ray schedules the jobs on its workers. The run itself still starts
where the run launcher puts it (the daemon's machine, or a Ray job with dagster-ray's
RayRunLauncher, see deploy/ray/dagster.yaml). Installed with the `ray` extra.
"""

from __future__ import annotations

import os

import dagster as dg

ENV_EXECUTOR = "MAMMOTH_EXECUTOR"
ENV_RAY_ADDRESS = "MAMMOTH_RAY_ADDRESS"
# Environment a step needs on the Ray worker (read where the run starts, passed per job).
FORWARDED_PREFIXES = ("MAMMOTH_", "DAGSTER_", "HF_")
FORWARDED_NAMES = ("TOKENIZERS_PARALLELISM", "PYTHONPATH")


def forwarded_env() -> list[str]:
    """Names of the variables set here that a step reads (dagster-ray copies their values)."""
    return sorted(
        name for name in os.environ
        if name.startswith(FORWARDED_PREFIXES) or name in FORWARDED_NAMES
    )


def ray_executor_from_env(address: str | None = None) -> dg.ExecutorDefinition:
    try:
        from dagster_ray import ray_executor
    except ImportError as error:
        raise RuntimeError(
            f"{ENV_EXECUTOR}=ray needs dagster-ray and Ray: pip install -e '.[ray]'"
        ) from error
    address = address or os.environ.get(ENV_RAY_ADDRESS, "").strip()
    if not address:
        raise RuntimeError(f"{ENV_EXECUTOR}=ray needs {ENV_RAY_ADDRESS} (the Ray job-submission address)")
    return ray_executor.configured({"ray": {"address": address, "env_vars": forwarded_env()}})


def executor_from_env() -> dg.ExecutorDefinition | None:
    """The executor named by MAMMOTH_EXECUTOR: unset or `multiprocess` is Dagster's default."""
    kind = os.environ.get(ENV_EXECUTOR, "").strip().lower()
    if kind in ("", "multiprocess"):
        return None
    if kind == "ray":
        return ray_executor_from_env()
    raise ValueError(f"{ENV_EXECUTOR}={kind!r}: expected 'multiprocess' or 'ray'")
