"""LLM backends. Each takes the requests the cache could not answer and yields groups of
`(index, LLMResponse)`: the answers that completed together (a finished batch, or the requests a
server answered since the last group), in any order. The caller commits each group to the cache
before it asks for the next, so a batch backend never starts a batch before the previous one is
safe, and a kill loses only what was in flight."""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence, TypeAlias

from mammoth_assets.llm.types import LLMRequest, LLMResponse


AnswerGroup: TypeAlias = list[tuple[int, LLMResponse]]


class Backend(Protocol):
    name: str

    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[AnswerGroup]:
        """Answer `requests`; per-request failures come back as responses with `error` set."""
        ...

    def close(self) -> None: ...


def failed(request: LLMRequest, error: str, latency_s: float = 0.0) -> LLMResponse:
    return LLMResponse(
        request_id=request.request_id, cache_key="", text=None, error=error, latency_s=latency_s
    )
