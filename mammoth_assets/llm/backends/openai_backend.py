"""Any OpenAI-compatible endpoint (vLLM's server, SGLang, TGI, hosted APIs), through the official
`openai` SDK (`AsyncOpenAI`).

The SDK does the HTTP work: per-request timeouts, retries with exponential backoff and jitter on
408/409/429/5xx, timeouts and dropped connections, and `Retry-After` honoured (up to two
minutes). This module adds bounded concurrency (a semaphore of `max_concurrency`, and a
connection pool of the same size), counts the attempts each request took, and turns final
failures into per-request errors (secrets redacted) instead of exceptions. The API key is read
from the environment variable named in config and goes to the SDK only.

Structured output goes out in ONE field, chosen by `structured_outputs`:
- "vllm" (default): vLLM's current `structured_outputs` request field (`{"json": schema,
  "disable_any_whitespace": true}` or `{"regex": ...}`), which vLLM servers (and `mammoth
  serve-llm`) enforce; vLLM's old `guided_json`/`guided_regex` fields are deprecated and gone.
- "openai": OpenAI's `response_format` with a strict `json_schema`, for hosted APIs that reject
  unknown fields; a regex then cannot be sent and is only checked after the fact.
Either way the schema sent is `structured.strict_schema(...)`, the same one the local decoder and
the vLLM engine enforce.

Answers are yielded in groups as they complete (from a background event-loop thread), so the
caller commits each finished request to the cache while the others are still in flight.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import queue
import threading
import time
from typing import Any, Iterator, Sequence

from mammoth_assets.llm.backends import AnswerGroup, failed
from mammoth_assets.llm.redact import known_secrets, redact
from mammoth_assets.llm.structured import strict_schema
from mammoth_assets.llm.types import LLMRequest, LLMResponse

logger = logging.getLogger(__name__)
_DONE = object()
_ATTEMPTS: contextvars.ContextVar[list[int]] = contextvars.ContextVar("openai_attempts")
NO_KEY = "EMPTY"  # what vLLM's docs send when a server needs no key (the SDK insists on one)


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
        structured_outputs: str = "vllm",
    ):
        if structured_outputs not in ("vllm", "openai"):
            raise ValueError(f"structured_outputs must be 'vllm' or 'openai', not {structured_outputs!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.max_concurrency = max(1, max_concurrency)
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.structured_outputs = structured_outputs
        self.http_attempts = 0  # every HTTP request sent, retries included

    def api_key(self) -> str:
        return (os.environ.get(self.api_key_env, "") if self.api_key_env else "") or NO_KEY

    def arguments(self, request: LLMRequest) -> dict[str, Any]:
        """Keyword arguments for `chat.completions.create` / `completions.create`."""
        sampling = request.sampling
        arguments: dict[str, Any] = {
            "model": self.model,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "seed": sampling.seed,
        }
        if sampling.stop:
            arguments["stop"] = list(sampling.stop)
        if request.json_schema is not None:
            schema = strict_schema(request.json_schema)
            if self.structured_outputs == "vllm":
                arguments["extra_body"] = {"structured_outputs": {"json": schema, "disable_any_whitespace": True}}
            else:
                arguments["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "output", "schema": schema, "strict": True},
                }
        elif request.regex is not None and self.structured_outputs == "vllm":
            arguments["extra_body"] = {"structured_outputs": {"regex": request.regex}}
        if request.messages is not None:
            arguments["messages"] = request.messages
        else:
            arguments["prompt"] = request.prompt
        return arguments

    # -- sync facade -----------------------------------------------------------------------------
    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[AnswerGroup]:
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
            finished = False
            while not finished:
                group: AnswerGroup = []
                item = answers.get()
                while True:  # everything that completed meanwhile goes into one group
                    if item is _DONE:
                        finished = True
                        break
                    if isinstance(item, BaseException):
                        raise item
                    group.append(item)
                    try:
                        item = answers.get_nowait()
                    except queue.Empty:
                        break
                if group:
                    yield group
        finally:
            stop.set()
            thread.join(timeout=5)

    # -- async core ------------------------------------------------------------------------------
    async def _run_all(self, requests, answers: queue.Queue, stop: threading.Event) -> None:
        import httpx2
        import openai

        async def count_attempt(_request) -> None:
            self.http_attempts += 1
            counter = _ATTEMPTS.get(None)
            if counter is not None:
                counter[0] += 1

        http_client = openai.DefaultAsyncHttpxClient(
            limits=httpx2.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency),
            event_hooks={"request": [count_attempt]},
        )
        client = openai.AsyncOpenAI(
            api_key=self.api_key(),
            base_url=self.base_url,
            timeout=httpx2.Timeout(self.timeout_s, connect=min(self.timeout_s, 30.0)),
            max_retries=self.max_retries,
            http_client=http_client,
        )
        semaphore = asyncio.Semaphore(self.max_concurrency)
        async with client:

            async def one(index: int, request: LLMRequest) -> None:
                async with semaphore:
                    if stop.is_set():
                        return
                    answers.put((index, await self.complete(client, request)))

            await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))

    async def complete(self, client, request: LLMRequest) -> LLMResponse:
        """One request, retried by the SDK; always returns a response (error set on failure)."""
        import openai

        counter = [0]
        _ATTEMPTS.set(counter)
        started = time.perf_counter()
        arguments = self.arguments(request)
        try:
            if request.messages is not None:
                completion = await client.chat.completions.create(**arguments)
            else:
                completion = await client.completions.create(**arguments)
            return self.parse(request, completion, time.perf_counter() - started)
        except openai.APIStatusError as error:
            problem = f"HTTP {error.status_code}: {_body_text(error)[:300]}"
        except openai.APITimeoutError:
            problem = f"timeout after {self.timeout_s}s"
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            problem = f"connection error: {type(cause).__name__}: {cause}"
        except (openai.OpenAIError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
            problem = f"malformed response: {type(error).__name__}: {error}"
        message = redact(f"after {max(counter[0], 1)} attempt(s): {problem}", known_secrets([self.api_key_env]))
        logger.debug("request %s failed: %s", request.request_id, message)
        return failed(request, message, time.perf_counter() - started)

    def parse(self, request: LLMRequest, completion, latency_s: float) -> LLMResponse:
        choice = completion.choices[0]
        message = getattr(choice, "message", None)
        text = message.content if message is not None else choice.text
        usage = completion.usage
        return LLMResponse(
            request_id=request.request_id,
            cache_key="",
            text=text if text is not None else "",
            finish_reason=choice.finish_reason,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_s=latency_s,
        )

    def close(self) -> None:
        pass


def _body_text(error) -> str:
    try:
        return error.response.text
    except Exception:  # a response without a readable body
        return str(error)
