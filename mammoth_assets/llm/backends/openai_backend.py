"""Any OpenAI-compatible endpoint (vLLM's server, SGLang, TGI, hosted APIs), async with httpx.

Bounded concurrency (a semaphore of `max_concurrency`), a per-request timeout, and retries with
exponential backoff and jitter on 429, 5xx, timeouts and connection errors (a `Retry-After` header
is honoured). Other 4xx answers are final. The API key is read from the environment variable named
in config, sent only in the Authorization header and never logged or stored.

Structured output: `response_format` with a JSON schema (OpenAI's format); with
`guided_decoding_extras` also vLLM's fields (`guided_json` / `guided_regex` and
`structured_outputs`), which vLLM and SGLang servers enforce. Hosted APIs that reject unknown
fields need `guided_decoding_extras=False`; a regex is then only checked after the fact.

Answers are yielded as they complete (from a background event loop thread) so the caller commits
them to the cache while the rest are in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import random
import threading
import time
from typing import Any, Iterator, Sequence

import httpx

from mammoth_assets.llm.backends import failed
from mammoth_assets.llm.types import LLMRequest, LLMResponse

logger = logging.getLogger(__name__)
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_DONE = object()


class OpenAIBackend:
    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key_env: str = "OPENAI_API_KEY",
        max_concurrency: int = 16,
        timeout_s: float = 120.0,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        guided_decoding_extras: bool = True,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.max_concurrency = max(1, max_concurrency)
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.guided_decoding_extras = guided_decoding_extras
        self.http_attempts = 0  # every HTTP request sent, retries included

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def body(self, request: LLMRequest) -> tuple[str, dict[str, Any]]:
        sampling = request.sampling
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "seed": sampling.seed,
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.json_schema, "strict": True},
            }
            if self.guided_decoding_extras:
                body["guided_json"] = request.json_schema
                body["structured_outputs"] = {"json": request.json_schema}
        elif request.regex is not None and self.guided_decoding_extras:
            body["guided_regex"] = request.regex
            body["structured_outputs"] = {"regex": request.regex}
        if request.messages is not None:
            body["messages"] = request.messages
            return "/chat/completions", body
        body["prompt"] = request.prompt
        return "/completions", body

    # -- sync facade -----------------------------------------------------------------------------
    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[tuple[int, LLMResponse]]:
        answers: queue.Queue = queue.Queue()
        stop = threading.Event()

        def run() -> None:
            try:
                asyncio.run(self._run_all(requests, answers, stop))
            except BaseException as error:  # never leave the consumer waiting
                answers.put(error)
            finally:
                answers.put(_DONE)

        thread = threading.Thread(target=run, name="openai-backend", daemon=True)
        thread.start()
        try:
            while True:
                item = answers.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join(timeout=5)

    # -- async core ------------------------------------------------------------------------------
    async def _run_all(self, requests, answers: queue.Queue, stop: threading.Event) -> None:
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 30.0))
        semaphore = asyncio.Semaphore(self.max_concurrency)
        async with httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=timeout, headers=self.headers()) as client:

            async def one(index: int, request: LLMRequest) -> None:
                async with semaphore:
                    if stop.is_set():
                        return
                    answers.put((index, await self.complete(client, request)))

            await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))

    async def complete(self, client: httpx.AsyncClient, request: LLMRequest) -> LLMResponse:
        """One request with retries; always returns a response (error set on final failure)."""
        path, body = self.body(request)
        started = time.perf_counter()
        last_error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                self.http_attempts += 1
                reply = await client.post(path, json=body)
            except httpx.TimeoutException as error:
                last_error = f"timeout after {self.timeout_s}s ({type(error).__name__})"
            except httpx.TransportError as error:
                last_error = f"connection error: {type(error).__name__}: {error}"
            else:
                if reply.status_code == 200:
                    try:
                        return self.parse(request, reply.json(), time.perf_counter() - started)
                    except (ValueError, KeyError, IndexError, TypeError) as error:
                        last_error = f"malformed response: {type(error).__name__}: {error}"
                else:
                    last_error = f"HTTP {reply.status_code}: {reply.text[:300]}"
                    if reply.status_code not in RETRY_STATUS:
                        break
                    retry_after = _retry_after(reply)
            if attempt < self.max_retries:
                delay = retry_after if retry_after is not None else self.backoff(attempt)
                logger.debug("retrying %s in %.2fs after: %s", request.request_id, delay, last_error)
                await asyncio.sleep(delay)
        return failed(request, f"after {attempt + 1} attempt(s): {last_error}", time.perf_counter() - started)

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max_s, self.backoff_base_s * (2**attempt)) * (0.5 + random.random() / 2)

    def parse(self, request: LLMRequest, payload: dict[str, Any], latency_s: float) -> LLMResponse:
        choice = payload["choices"][0]
        text = choice["message"]["content"] if "message" in choice else choice["text"]
        usage = payload.get("usage") or {}
        return LLMResponse(
            request_id=request.request_id,
            cache_key="",
            text=text if text is not None else "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            latency_s=latency_s,
        )

    def close(self) -> None:
        pass


def _retry_after(reply: httpx.Response) -> float | None:
    value = reply.headers.get("retry-after")
    try:
        return min(float(value), 60.0) if value is not None else None
    except ValueError:
        return None
