"""The LLM layer's contract. Every LLM-driven asset builds `LLMRequest`s and reads `LLMResponse`s.

Only the fields marked (key) enter the request-cache key: the backend-independent model id, the
rendered messages or prompt, the sampling parameters, the output constraint (JSON schema or regex)
and the prompt version. `request_id` never does: it is the caller's handle for joining answers
back to rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.0  # (key) 0 = greedy
    top_p: float = 1.0  # (key)
    max_tokens: int = 256  # (key)
    stop: tuple[str, ...] = ()  # (key)
    seed: int = 0  # (key) used when temperature > 0


@dataclass
class LLMRequest:
    request_id: str  # stable caller id, e.g. "<doc_id>:extract"; not in the cache key
    messages: list[dict[str, str]] | None = None  # (key) chat messages [{"role","content"}]
    prompt: str | None = None  # (key) raw prompt, used when messages is None
    sampling: SamplingParams = field(default_factory=SamplingParams)
    json_schema: dict[str, Any] | None = None  # (key) constrain output to this JSON schema
    regex: str | None = None  # (key) constrain output to this regular expression
    prompt_version: str = ""  # (key) version of the template that rendered this request


@dataclass
class LLMResponse:
    request_id: str
    cache_key: str
    text: str | None  # None when the request failed
    parsed: Any = None  # the JSON value when a schema was given and the text parsed
    finish_reason: str | None = None  # "stop", "length", or None on failure
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cached: bool = False  # served from the request cache without calling the backend
    error: str | None = None  # failure reason (backend error, schema parse error...)
    model_id: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None
