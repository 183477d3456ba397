"""Kill a generating process for real mid-batch, re-run, and check nothing answered is sent again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mammoth_assets.llm import LLMResource, SamplingParams
from mammoth_assets.llm.cache import RequestCache
from mammoth_assets.llm.types import LLMRequest

TOTAL = 48
CHILD = """
import sys
from mammoth_assets.llm import LLMResource
from tests.llm.test_kill_resume import workload
# one request per engine call keeps the child slow enough to be caught mid-way
llm = LLMResource(model=sys.argv[1], cpu_threads=1, batch_size=1, flush_every=2)
llm.generate(workload(), stage="killed")
print("finished", flush=True)
"""


def workload() -> list[LLMRequest]:
    return [
        LLMRequest(f"row-{i}", messages=[{"role": "user", "content": f"Question {i}: what is {i} squared?"}],
                   sampling=SamplingParams(max_tokens=16), prompt_version="kill-test@1")
        for i in range(TOTAL)
    ]


def _answered(cache_path: Path) -> int:
    if not cache_path.exists():
        return 0
    return RequestCache(cache_path).entries().height


@pytest.mark.slow
def test_killed_run_resumes_without_resending_cached_requests(tiny_model: Path, isolated_data_dir: Path):
    cache_path = isolated_data_dir / "llm_cache.duckdb"
    project_root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tiny_model)],
        cwd=project_root,
        env={**os.environ, "PYTHONPATH": str(project_root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while _answered(cache_path) < 4:
            assert child.poll() is None, "the child finished or died before it could be killed"
            assert time.monotonic() < deadline, "the child never committed answers"
            time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    before = RequestCache(cache_path).entries()
    assert 4 <= before.height < TOTAL, "kill should land mid-batch"
    assert before["error"].null_count() == before.height

    llm = LLMResource(model=str(tiny_model), cpu_threads=1, batch_size=16)
    answers = llm.generate(workload(), stage="killed")
    assert all(a.ok for a in answers)
    resent = {a.cache_key for a in answers if not a.cached}
    assert resent.isdisjoint(set(before["cache_key"]))
    assert len(resent) == TOTAL - before.height
    after = RequestCache(cache_path).entries()
    assert after.height == TOTAL and after["cache_key"].n_unique() == TOTAL
    assert set(after["attempts"].to_list()) == {1}  # each request answered and stored exactly once
    calls = llm.cache().calls("killed")
    assert calls["backend_requests"].to_list() == [TOTAL - before.height]  # the killed run logged no call
    assert calls["cache_hits"].to_list() == [before.height]
