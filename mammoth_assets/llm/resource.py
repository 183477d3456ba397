"""`LLMResource`: the one way assets talk to a model.

    responses = llm.generate(requests, stage="quality_scores", log=context.log)
    metadata = llm.usage_metadata(responses)

Answers come back in request order. Per-request failures never raise: they come back with `error`
set (and are stored, so the next run sends them again). Before calling the backend, every request
whose cache key has an answer is served from the request cache (`mammoth_assets.llm.cache`);
the rest are claimed (a lease other runs wait on instead of paying for them too), sent, and
committed as they complete: a killed run re-sends only what was in flight. Errors, log lines and
exceptions that leave this layer have API keys and Authorization values redacted.

Switching backend or model needs no code: set the resource config in the launchpad, or an
environment variable `MAMMOTH_LLM_<FIELD>` (e.g. `MAMMOTH_LLM_BACKEND=openai`,
`MAMMOTH_LLM_MODEL=Qwen/Qwen2.5-72B-Instruct`, `MAMMOTH_LLM_BASE_URL=http://vllm:8000/v1`).
An environment variable applies only to fields left at their default, so a stage that picks its
own model (`llm.with_model("mistralai/Mixtral-8x22B-Instruct-v0.1")`) keeps it.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import threading
import time
import uuid
from typing import Any, Literal, Sequence

import dagster as dg
from pydantic import PrivateAttr

from mammoth_assets.llm.cache import LeaseKeeper, RequestCache, cache_key
from mammoth_assets.llm.redact import redact, register_secret_env
from mammoth_assets.llm.structured import check_text
from mammoth_assets.llm.types import LLMRequest, LLMResponse

logger = logging.getLogger(__name__)

_ENGINES: dict[tuple, Any] = {}  # loaded engines, one per (backend, model, device settings)
_ENGINES_LOCK = threading.Lock()
ENV_PREFIX = "MAMMOTH_LLM_"


@dataclasses.dataclass(frozen=True)
class LLMSettings:
    """The resource's config after environment overrides and defaults are applied."""

    backend: str
    model: str
    model_id: str
    base_url: str
    api_key_env: str
    max_concurrency: int
    timeout_s: float
    max_retries: int
    structured_outputs: str
    batch_size: int
    tensor_parallel_size: int
    dtype: str
    device: str
    max_model_len: int
    cpu_threads: int
    gpu_memory_utilization: float
    enable_prefix_caching: bool
    price_per_million_input_tokens: float
    price_per_million_output_tokens: float
    cache_path: str
    claim_lease_s: float
    claim_wait_s: float
    progress_interval_s: float


class LLMResource(dg.ConfigurableResource):
    """LLM engine layer: transformers (local, default), an OpenAI-compatible server, or vLLM."""

    backend: Literal["transformers", "openai", "vllm"] = "transformers"
    model: str = ""  # HF id, local path or served model name; "" = the project's tiny model
    model_id: str = ""  # identity in the cache key; "" = model (tiny model: a stable id)
    base_url: str = "http://127.0.0.1:8000/v1"  # openai backend
    api_key_env: str = "OPENAI_API_KEY"  # NAME of the env var holding the key, never the key
    max_concurrency: int = 16  # openai backend: requests in flight
    timeout_s: float = 120.0  # openai backend: per request
    max_retries: int = 4  # openai backend: the SDK's retries on 408/409/429/5xx, timeouts, drops
    # openai backend: how schemas/regexes are sent. "vllm": vLLM's `structured_outputs` field
    # (vLLM servers, `mammoth serve-llm`); "openai": `response_format` json_schema only (hosted
    # APIs; a regex is then checked after the fact)
    structured_outputs: Literal["vllm", "openai"] = "vllm"
    batch_size: int = 16  # transformers: rows per generate; vllm: requests per engine call
    tensor_parallel_size: int = 1  # vllm
    dtype: str = "auto"
    device: str = "auto"  # transformers: "auto", "cpu", "cuda", "cuda:1"
    max_model_len: int = 0  # 0 = the model's own limit
    cpu_threads: int = 0  # transformers on CPU: torch threads (0 = torch's default)
    gpu_memory_utilization: float = 0.9  # vllm
    enable_prefix_caching: bool = True  # vllm
    price_per_million_input_tokens: float = 0.0
    price_per_million_output_tokens: float = 0.0
    cache_path: str = ""  # "" = llm_cache.duckdb beside the warehouse
    claim_lease_s: float = 60.0  # lease on requests being answered; renewed every quarter of it
    claim_wait_s: float = 3600.0  # longest wait for another live run's answers before paying again
    progress_interval_s: float = 30.0  # progress log (with ETA) during long batches

    _last_call: dict = PrivateAttr(default_factory=dict)

    # -- configuration -------------------------------------------------------------------------
    def settings(self) -> LLMSettings:
        values: dict[str, Any] = {}
        for name, spec in type(self).model_fields.items():
            value = getattr(self, name)
            env = os.environ.get(ENV_PREFIX + name.upper())
            if env is not None and value == spec.default:
                value = _coerce(env, spec.default, name)
            values[name] = value
        if not values["model"]:
            from mammoth_assets.llm.tiny_model import TINY_MODEL_ID, ensure_tiny_model

            if values["backend"] != "openai":
                values["model"] = str(ensure_tiny_model())
            else:
                values["model"] = TINY_MODEL_ID
            values["model_id"] = values["model_id"] or TINY_MODEL_ID
        values["model_id"] = values["model_id"] or values["model"]
        register_secret_env(values["api_key_env"])  # its value is redacted wherever it shows up
        if not values["cache_path"]:
            from mammoth_assets.llm.cache import default_cache_path

            values["cache_path"] = str(default_cache_path())
        return LLMSettings(**values)

    def with_model(self, model: str, **overrides: Any) -> "LLMResource":
        """The same configuration aimed at another model (e.g. the second refiner)."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(model=model, model_id="")
        values.update(overrides)
        return LLMResource(**values)

    def cache(self) -> RequestCache:
        return RequestCache(self.settings().cache_path)

    # -- generation ----------------------------------------------------------------------------
    def generate(
        self, requests: Sequence[LLMRequest], *, stage: str, log: Any = None
    ) -> list[LLMResponse]:
        log = log or logger
        settings = self.settings()
        started_at = _now()
        keys = [cache_key(request, settings.model_id) for request in requests]
        cache = RequestCache(settings.cache_path)
        owner = uuid.uuid4().hex  # this call's identity in the claims table
        answered, mine = cache.lookup_and_claim(keys, owner, stage, settings.claim_lease_s)
        todo: dict[str, int] = {}  # cache key -> index of the first request with it
        for index, key in enumerate(keys):
            if key not in answered and key not in todo:
                todo[key] = index
        log.info(
            f"llm[{stage}] {len(requests)} requests: {len(requests) - sum(k in todo for k in keys)} from cache, "
            f"{len(todo)} to {settings.backend}:{settings.model_id}"
        )
        backend_seconds = 0.0
        fresh: dict[str, LLMResponse] = {}
        if todo:
            backend_started = time.perf_counter()
            lease = LeaseKeeper(cache, owner, settings.claim_lease_s)
            try:
                fresh, from_others = self._answer(settings, requests, keys, todo, mine, cache, stage, log, owner)
            except BaseException:
                lease.stop()
                with contextlib.suppress(Exception):
                    cache.release(owner)
                raise
            lease.stop()
            answered.update(from_others)
            backend_seconds = time.perf_counter() - backend_started
        responses = []
        for request, key in zip(requests, keys):
            source = fresh.get(key) or answered[key]
            responses.append(dataclasses.replace(source, request_id=request.request_id, model_id=settings.model_id))
        stats = {
            "call_id": uuid.uuid4().hex,
            "stage": stage,
            "backend": settings.backend,
            "model_id": settings.model_id,
            "started_at": started_at,
            "finished_at": _now(),
            "requests": len(requests),
            "unique_requests": len(set(keys)),
            "cache_hits": sum(1 for key in keys if key not in fresh),
            "backend_requests": len(fresh),
            "failures": sum(1 for r in fresh.values() if not r.ok),
            "prompt_tokens": sum(r.prompt_tokens for r in fresh.values()),
            "completion_tokens": sum(r.completion_tokens for r in fresh.values()),
            "backend_seconds": backend_seconds,
        }
        cache.record_call(stats, release_owner=owner if todo else None)
        self._last_call.clear()
        self._last_call.update(stats)
        return responses

    def _answer(self, settings, requests, keys, todo, mine, cache, stage, log, owner):
        """Answer the uncached keys: send those this call claimed (`mine`, then any it claims
        later), wait for the answers of keys another live run holds, and take over keys whose
        owner stopped. Returns (answers this run paid for, answers another run stored meanwhile)."""
        pending = dict(todo)
        fresh: dict[str, LLMResponse] = {}
        from_others: dict[str, LLMResponse] = {}
        waited = 0.0
        poll_s = 0.2
        while pending:
            if waited > settings.claim_wait_s:  # the holder is alive but stuck: pay again
                mine = list(pending)
            if mine:
                indices = [pending.pop(key) for key in mine if key in pending]
                fresh.update(self._run_backend(settings, requests, indices, keys, cache, stage, log, owner))
            if pending:
                for key, response in cache.lookup(pending).items():
                    from_others[key] = response
                    pending.pop(key)
            if pending and cache.claimed(list(pending)):
                if waited == 0.0:
                    log.info(f"llm[{stage}] {len(pending)} requests are being answered by another run; "
                             f"waiting for its answers")
                time.sleep(poll_s)
                waited += poll_s
                poll_s = min(poll_s * 1.5, 2.0)
            mine = cache.claim(list(pending), owner, stage, settings.claim_lease_s) if pending else []
        if from_others:
            log.info(f"llm[{stage}] {len(from_others)} answers came from another run")
        return fresh, from_others

    def _run_backend(self, settings, requests, indices, keys, cache, stage, log, owner) -> dict[str, LLMResponse]:
        """Run the backend on `indices`, committing each group of answers as it arrives (and
        releasing its claims in the same transaction); returns the answers by key."""
        engine = get_engine(settings)
        batch = [requests[i] for i in indices]
        fresh: dict[str, LLMResponse] = {}
        unsaved: list[tuple[LLMRequest, LLMResponse]] = []
        progress = Progress(len(batch), stage, log, settings.progress_interval_s)
        try:
            for group in engine.generate(batch):
                for position, response in group:
                    request = batch[position]
                    response = finish_response(response, request, keys[indices[position]], settings.model_id)
                    fresh[response.cache_key] = response
                    unsaved.append((request, response))
                    progress.advance(response)
                try:
                    cache.store(unsaved, stage, owner=owner)
                    unsaved = []
                except Exception as error:  # keep them; the next group (or the end) retries
                    log.warning(f"llm[{stage}] cache write failed ({redact(str(error))}); "
                                f"{len(unsaved)} answers kept for the next write")
        except BaseException as error:  # the engine failed (or we were interrupted): keep what came back
            with contextlib.suppress(Exception):
                cache.store(unsaved, stage, owner=owner)
            log.error(f"llm[{stage}] backend failed after {len(fresh)}/{len(batch)} answers (those are saved): "
                      f"{redact(f'{type(error).__name__}: {error}')}")
            raise_redacted(error)
            raise
        for position, request in enumerate(batch):  # a backend that lost a request: record it
            key = keys[indices[position]]
            if key not in fresh:
                lost = finish_response(
                    LLMResponse(request.request_id, key, None, error="backend returned no answer"),
                    request, key, settings.model_id,
                )
                fresh[key] = lost
                unsaved.append((request, lost))
        cache.store(unsaved, stage, owner=owner)
        progress.done()
        return fresh

    # -- reporting -----------------------------------------------------------------------------
    def usage_metadata(self, responses: Sequence[LLMResponse]) -> dict[str, Any]:
        """Requests, cache hits, backend requests, tokens, throughput, failures and estimated cost,
        ready to merge into an asset's metadata."""
        settings = self.settings()
        sent = [r for r in responses if not r.cached]
        failures = [r for r in responses if not r.ok]
        tokens_in = sum(r.prompt_tokens for r in sent)
        tokens_out = sum(r.completion_tokens for r in sent)
        seconds = self._last_call.get("backend_seconds") or 0.0
        cost = (
            tokens_in * settings.price_per_million_input_tokens
            + tokens_out * settings.price_per_million_output_tokens
        ) / 1e6
        reasons: dict[str, int] = {}
        for r in failures:
            reason = redact(r.error or "no text").split(":")[0][:80]
            reasons[reason] = reasons.get(reason, 0) + 1
        return {
            "llm_backend": settings.backend,
            "llm_model_id": settings.model_id,
            "llm_requests": len(responses),
            "llm_cache_hits": len(responses) - len(sent),
            "llm_cache_hit_rate": round((len(responses) - len(sent)) / len(responses), 4) if responses else 0.0,
            "llm_backend_requests": len({r.cache_key for r in sent}),
            "llm_failures": len(failures),
            "llm_failure_reasons": dg.MetadataValue.json(reasons),
            "llm_prompt_tokens": tokens_in,
            "llm_completion_tokens": tokens_out,
            "llm_tokens_per_s": round(tokens_out / seconds, 2) if seconds > 0 else 0.0,
            "llm_backend_seconds": round(seconds, 3),
            "llm_estimated_cost_usd": round(cost, 6),
        }


class LLMBackendError(RuntimeError):
    """The backend itself failed; raised instead of an error whose message held a secret."""


def raise_redacted(error: BaseException) -> None:
    """Raise a redacted copy of `error` (without the original chained) if its message holds a
    secret; return otherwise, so the caller re-raises the original."""
    if isinstance(error, Exception):
        message = f"{type(error).__name__}: {error}"
        cleaned = redact(message)
        if cleaned != message:
            raise LLMBackendError(cleaned) from None


def finish_response(response: LLMResponse, request: LLMRequest, key: str, model_id: str) -> LLMResponse:
    """Stamp key and model, redact the error, and parse/validate structured output (a failure
    keeps its raw text)."""
    response = dataclasses.replace(
        response, cache_key=key, model_id=model_id, request_id=request.request_id, cached=False,
        error=redact(response.error),
    )
    if response.error is None and response.text is None:
        response.error = "backend returned no text"
    if response.error is None and (request.json_schema is not None or request.regex is not None):
        parsed, problem = check_text(response.text, request.json_schema, request.regex)
        response.parsed = parsed
        if problem is not None:
            if response.finish_reason == "length":
                problem += " (output hit max_tokens)"
            response.error = problem
    return response


class Progress:
    """Logs answered/total, rate and ETA at most every `interval_s` seconds."""

    def __init__(self, total: int, stage: str, log: Any, interval_s: float):
        self.total, self.stage, self.log, self.interval_s = total, stage, log, interval_s
        self.done_count = self.failures = 0
        self.started = self.last = time.monotonic()

    def advance(self, response: LLMResponse) -> None:
        self.done_count += 1
        self.failures += 0 if response.ok else 1
        now = time.monotonic()
        if now - self.last >= self.interval_s:
            self.last = now
            rate = self.done_count / max(now - self.started, 1e-9)
            eta = (self.total - self.done_count) / rate if rate > 0 else float("inf")
            self.log.info(
                f"llm[{self.stage}] {self.done_count}/{self.total} "
                f"({100 * self.done_count / self.total:.0f}%), {rate:.2f} req/s, "
                f"{self.failures} failed, ETA {_duration(eta)}"
            )

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        self.log.info(
            f"llm[{self.stage}] {self.done_count}/{self.total} answered in {_duration(elapsed)}, "
            f"{self.failures} failed"
        )


def get_engine(settings: LLMSettings):
    """The loaded engine for these settings, created once per process."""
    from mammoth_assets.llm.backends.openai_backend import OpenAIBackend
    from mammoth_assets.llm.backends.transformers_backend import TransformersBackend
    from mammoth_assets.llm.backends.vllm_backend import VLLMBackend

    if settings.backend == "openai":  # stateless: a fresh client per call
        return OpenAIBackend(
            base_url=settings.base_url,
            model=settings.model,
            api_key_env=settings.api_key_env,
            max_concurrency=settings.max_concurrency,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            structured_outputs=settings.structured_outputs,
        )
    key = (
        settings.backend, settings.model, settings.device, settings.dtype, settings.batch_size,
        settings.max_model_len, settings.tensor_parallel_size, settings.gpu_memory_utilization,
        settings.enable_prefix_caching, settings.cpu_threads,
    )
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if settings.backend == "transformers":
                if settings.cpu_threads:
                    import torch

                    torch.set_num_threads(settings.cpu_threads)
                engine = TransformersBackend(
                    settings.model,
                    device=settings.device,
                    dtype=settings.dtype,
                    batch_size=settings.batch_size,
                    max_model_len=settings.max_model_len,
                )
            elif settings.backend == "vllm":
                engine = VLLMBackend(
                    settings.model,
                    tensor_parallel_size=settings.tensor_parallel_size,
                    dtype=settings.dtype,
                    max_model_len=settings.max_model_len,
                    gpu_memory_utilization=settings.gpu_memory_utilization,
                    enable_prefix_caching=settings.enable_prefix_caching,
                    batch_size=settings.batch_size,
                )
            else:
                raise ValueError(f"unknown LLM backend {settings.backend!r}")
            _ENGINES[key] = engine
        return engine


@atexit.register
def close_engines() -> None:
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            try:
                engine.close()
            except Exception:  # best effort at interpreter exit
                pass
        _ENGINES.clear()


def _coerce(text: str, default: Any, name: str) -> Any:
    try:
        if isinstance(default, bool):
            return text.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError as error:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={text!r}: {error}") from error
    return text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"
