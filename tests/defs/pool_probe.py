"""Jobs for tests/defs/test_pools.py: two independent steps in one pool, each recording when it
ran. Module-level so the multiprocess executor can rebuild them in its step processes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg

from mammoth_assets.defs.conventions import LLM_POOL

HOLD_S = 2.0


def _probe(name: str, pool: str | None):
    @dg.asset(name=name, pool=pool)
    def probe() -> None:
        started = time.time()
        time.sleep(HOLD_S)
        record = {"asset": name, "start": started, "end": time.time()}
        with open(Path(os.environ["POOL_PROBE_LOG"]), "a") as handle:
            handle.write(json.dumps(record) + "\n")

    return probe


def _job(name: str, pool: str | None) -> dg.JobDefinition:
    assets = [_probe(f"{name}_a", pool), _probe(f"{name}_b", pool)]
    job = dg.define_asset_job(name, selection=dg.AssetSelection.all())
    return dg.Definitions(assets=assets, jobs=[job]).resolve_job_def(name)


def pooled_job() -> dg.JobDefinition:
    return _job("llm_stages", LLM_POOL)


def unpooled_job() -> dg.JobDefinition:
    return _job("plain_stages", None)
