"""A small OpenAI-compatible HTTP server over the transformers backend (`mammoth serve-llm`).

It lets anyone serve the tiny model (or any local/HF model) to the `openai` backend, and the tests
use it as a real server on 127.0.0.1. Endpoints: `GET /v1/models`, `POST /v1/chat/completions`,
`POST /v1/completions`, `GET /health`. Structured output is read from OpenAI's `response_format`
(`json_schema`) and from vLLM's `structured_outputs` field (`json` or `regex`), and enforced by the
same constrained decoder (llguidance) as the local backend.

Requests arriving together are batched: a single worker drains the queue (up to `batch_size`
requests, waiting `batch_wait_s` for more) and runs one backend `generate` per batch in a thread,
so the event loop keeps accepting connections. For production serving use vLLM's own server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mammoth_assets.llm.backends.transformers_backend import INVALID_REQUEST, TransformersBackend
from mammoth_assets.llm.types import LLMRequest, LLMResponse, SamplingParams

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    request: LLMRequest
    future: asyncio.Future


class BatchingEngine:
    """Collects concurrent requests into batches for one backend."""

    def __init__(self, backend: TransformersBackend, batch_size: int = 16, batch_wait_s: float = 0.01):
        self.backend = backend
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task | None = None
        self._lock = threading.Lock()  # the backend is not thread-safe

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    async def submit(self, request: LLMRequest) -> LLMResponse:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put(_Job(request, future))
        return await future

    async def _run(self) -> None:
        while True:
            jobs = [await self.queue.get()]
            deadline = time.monotonic() + self.batch_wait_s
            while len(jobs) < self.batch_size:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    jobs.append(await asyncio.wait_for(self.queue.get(), timeout))
                except asyncio.TimeoutError:
                    break
            try:
                answers = await asyncio.to_thread(self._generate, [job.request for job in jobs])
            except Exception as error:  # keep serving
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            for index, job in enumerate(jobs):
                if not job.future.done():
                    job.future.set_result(answers[index])

    def _generate(self, requests: list[LLMRequest]) -> dict[int, LLMResponse]:
        with self._lock:
            return {index: answer for group in self.backend.generate(requests) for index, answer in group}


def parse_constraint(body: dict[str, Any]) -> tuple[dict | None, str | None]:
    """(json_schema, regex) from vLLM's `structured_outputs` or OpenAI's `response_format`."""
    structured = body.get("structured_outputs") or {}
    if structured.get("json") is not None:
        return structured["json"], None
    if structured.get("regex") is not None:
        return None, structured["regex"]
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        return spec.get("schema") or spec, None
    if response_format.get("type") == "json_object":
        raise ValueError("response_format json_object needs a schema here; send json_schema")
    return None, None


def to_request(body: dict[str, Any], chat: bool) -> LLMRequest:
    stop = body.get("stop") or ()
    sampling = SamplingParams(
        temperature=float(body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0),
        top_p=float(body.get("top_p") if body.get("top_p") is not None else 1.0),
        max_tokens=int(body.get("max_tokens") or body.get("max_completion_tokens") or 256),
        stop=tuple([stop] if isinstance(stop, str) else stop),
        seed=int(body.get("seed") or 0),
    )
    json_schema, regex = parse_constraint(body)
    if chat:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ValueError("'messages' must be a non-empty list")
        messages = [{"role": m["role"], "content": _content_text(m.get("content"))} for m in messages]
        return LLMRequest(uuid.uuid4().hex, messages=messages, sampling=sampling, json_schema=json_schema, regex=regex)
    prompt = body.get("prompt")
    if isinstance(prompt, list):
        if len(prompt) != 1:
            raise ValueError("send one prompt per request")
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise ValueError("'prompt' must be a string")
    return LLMRequest(uuid.uuid4().hex, prompt=prompt, sampling=sampling, json_schema=json_schema, regex=regex)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def create_app(backend: TransformersBackend, served_model_name: str, batch_size: int = 16) -> Starlette:
    engine = BatchingEngine(backend, batch_size=batch_size)

    async def models(_: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": served_model_name, "object": "model", "owned_by": "mammoth"}]})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def complete(request: Request, chat: bool) -> JSONResponse:
        try:
            body = await request.json()
            if body.get("n", 1) != 1:
                raise ValueError("only n=1 is supported")
            llm_request = to_request(body, chat)
        except (ValueError, KeyError, TypeError) as error:
            return _error(400, f"bad request: {error}")
        answer = await engine.submit(llm_request)
        if not answer.ok:
            error = answer.error or "generation failed"
            return _error(400 if error.startswith(INVALID_REQUEST) else 500, error)
        usage = {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        }
        choice: dict[str, Any] = {"index": 0, "finish_reason": answer.finish_reason}
        if chat:
            choice["message"] = {"role": "assistant", "content": answer.text}
        else:
            choice["text"] = answer.text
        return JSONResponse(
            {
                "id": f"cmpl-{uuid.uuid4().hex}",
                "object": "chat.completion" if chat else "text_completion",
                "created": int(time.time()),
                "model": served_model_name,
                "choices": [choice],
                "usage": usage,
            }
        )

    async def chat_completions(request: Request) -> JSONResponse:
        return await complete(request, chat=True)

    async def completions(request: Request) -> JSONResponse:
        return await complete(request, chat=False)

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette):
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    return Starlette(routes=routes, lifespan=lifespan)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error"}}, status_code=status)


def build_app(
    model: str = "",
    served_model_name: str = "",
    batch_size: int = 16,
    device: str = "auto",
    dtype: str = "auto",
    cpu_threads: int = 0,
) -> Starlette:
    from mammoth_assets.llm.tiny_model import TINY_MODEL_ID, ensure_tiny_model

    if cpu_threads:
        import torch

        torch.set_num_threads(cpu_threads)
    name = served_model_name or (model or TINY_MODEL_ID)
    backend = TransformersBackend(model or ensure_tiny_model(), device=device, dtype=dtype, batch_size=batch_size)
    backend.load()
    return create_app(backend, name, batch_size=batch_size)


def serve(host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
    import uvicorn

    uvicorn.run(build_app(**options), host=host, port=port, log_level="info")


class ServerThread:
    """Run an app with uvicorn in a background thread (tests, notebooks); `stop()` shuts it down."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0):
        import socket

        import uvicorn

        if port == 0:
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.host, self.port = host, port
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, name="llm-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self, timeout_s: float = 60.0) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("LLM server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
