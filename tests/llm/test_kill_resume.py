"""Real processes, real kill -9: answers reach the cache as they complete, a resumed run re-sends
only what was in flight, and two runs asking the same requests at once pay for them once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mammoth_assets.llm import LLMResource, SamplingParams
from mammoth_assets.llm.cache import RequestCache, cache_key
from mammoth_assets.llm.types import LLMRequest

TOTAL = 48
BATCH = 4
PACE_S = 0.3  # between engine batches, after the previous one was committed
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The child runs the real layer on the tiny model; it records each group of answers the engine
# hands back (before the layer commits it) so the test knows what was produced before the kill.
CHILD = """
import json, sys, time
from mammoth_assets.llm import LLMResource, resource
from tests.llm.test_kill_resume import workload

model, batch, produced_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pace_s = float(sys.argv[4])
real_get_engine = resource.get_engine


class Recording:
    def __init__(self, engine):
        self.engine, self.name = engine, engine.name

    def generate(self, requests):
        with open(produced_path, "a") as produced:
            for group in self.engine.generate(requests):
                produced.write(json.dumps([requests[i].request_id for i, _ in group]) + "\\n")
                produced.flush()
                yield group
                time.sleep(pace_s)  # the tiny model is fast: pace it so a kill can land mid-stage

    def close(self):
        self.engine.close()


resource.get_engine = lambda settings: Recording(real_get_engine(settings))
llm = LLMResource(model=model, cpu_threads=1, batch_size=batch, claim_lease_s=600)
llm.generate(workload(), stage="killed")
print("finished", flush=True)
"""


def workload() -> list[LLMRequest]:
    return [
        LLMRequest(f"row-{i}", messages=[{"role": "user", "content": f"Question {i}: what is {i} squared?"}],
                   sampling=SamplingParams(max_tokens=32), prompt_version="kill-test@1")
        for i in range(TOTAL)
    ]


@contextlib.contextmanager
def children(tiny_model: Path, workdir: Path):
    """`start(name)` starts a child run recording into `<workdir>/<name>.jsonl`; every child still
    running at the end is killed (only processes this test started)."""
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tiny_model), str(BATCH), str(workdir / f"{name}.jsonl"),
             str(PACE_S)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        started.append(child)
        return child

    try:
        yield start
    finally:
        for child in started:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)


def finish(child: subprocess.Popen) -> None:
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0 and b"finished" in out, err.decode()[-2000:]


def answered(cache_path: Path) -> int:
    if not cache_path.exists():
        return 0
    return RequestCache(cache_path, lock_timeout_s=60).entries().height


def wait_for(condition, child: subprocess.Popen, what: str, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert child.poll() is None, f"the child ended before {what}: {child.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def groups_produced(path: Path) -> list[list[str]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


@pytest.mark.slow
def test_a_killed_run_resumes_re_sending_only_what_was_in_flight(tiny_model: Path, isolated_data_dir: Path):
    cache_path = isolated_data_dir / "llm_cache.duckdb"
    produced_path = isolated_data_dir / "produced.jsonl"
    with children(tiny_model, isolated_data_dir) as start:
        child = start("produced")
        wait_for(lambda: answered(cache_path) >= 2 * BATCH, child, "two batches were committed")
        kill(child)
    before = RequestCache(cache_path).entries()
    assert 2 * BATCH <= before.height < TOTAL, "the kill should land mid-stage"
    assert before["error"].null_count() == before.height
    key_of = {r.request_id: cache_key(r, str(tiny_model)) for r in workload()}
    committed = set(before["cache_key"])
    groups = groups_produced(produced_path)
    for group in groups[:-1]:  # a group is committed before the engine starts the next batch
        assert {key_of[rid] for rid in group} <= committed, group

    llm = LLMResource(model=str(tiny_model), cpu_threads=1, batch_size=16)
    answers = llm.generate(workload(), stage="killed")
    assert all(a.ok for a in answers)
    resent = {a.cache_key for a in answers if not a.cached}
    produced = {key_of[rid] for group in groups for rid in group}
    assert resent == set(key_of.values()) - committed
    assert resent & produced <= {key_of[rid] for rid in groups[-1]}  # at most the group in flight
    after = RequestCache(cache_path).entries()
    assert after.height == TOTAL and set(after["attempts"].to_list()) == {1}  # nothing stored twice
    calls = llm.cache().calls("killed")
    assert calls["backend_requests"].to_list() == [len(resent)]  # the killed run logged no call
    assert llm.cache().claims().height == 0  # the dead run's claims were dropped, ours released


@pytest.mark.slow
def test_two_runs_asking_the_same_requests_at_once_pay_once(tiny_model: Path, isolated_data_dir: Path):
    cache_path = isolated_data_dir / "llm_cache.duckdb"
    with children(tiny_model, isolated_data_dir) as start:
        first = start("first")
        wait_for(lambda: answered(cache_path) >= BATCH, first, "the first run answered a batch")
        second = start("second")
        finish(first)
        finish(second)
    entries = RequestCache(cache_path).entries()
    assert entries.height == TOTAL and set(entries["attempts"].to_list()) == {1}
    calls = RequestCache(cache_path).calls("killed")
    assert calls.height == 2 and sum(calls["backend_requests"].to_list()) == TOTAL
    assert sorted(calls["cache_hits"].to_list())[-1] == TOTAL - min(calls["backend_requests"].to_list())
    assert RequestCache(cache_path).claims().height == 0


@pytest.mark.slow
def test_a_run_waiting_on_a_killed_run_takes_over_and_pays_at_most_the_in_flight_twice(
    tiny_model: Path, isolated_data_dir: Path
):
    cache_path = isolated_data_dir / "llm_cache.duckdb"
    with children(tiny_model, isolated_data_dir) as start:
        first = start("first")
        wait_for(lambda: answered(cache_path) >= BATCH, first, "the first run answered a batch")
        second = start("second")
        wait_for(lambda: answered(cache_path) >= 3 * BATCH, first, "the first run answered three batches")
        kill(first)
        finish(second)
    entries = RequestCache(cache_path).entries()
    assert entries.height == TOTAL and entries["error"].null_count() == TOTAL
    paid_twice = entries.filter(entries["attempts"] > 1)
    assert paid_twice.height <= BATCH and set(entries["attempts"].to_list()) <= {1, 2}
    second_groups = groups_produced(isolated_data_dir / "second.jsonl")
    second_paid = sum(len(group) for group in second_groups)
    first_committed = TOTAL - second_paid + paid_twice.height
    assert first_committed >= 3 * BATCH  # the answers the killed run committed were reused
