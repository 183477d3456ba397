"""LLM backends. Each takes the requests the cache could not answer and yields
`(index, LLMResponse)` as answers arrive, in any order, so the caller can commit them in batches."""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence

from mammoth_assets.llm.types import LLMRequest, LLMResponse


class Backend(Protocol):
    name: str

    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[tuple[int, LLMResponse]]:
        """Answer `requests`; per-request failures come back as responses with `error` set."""
        ...

    def close(self) -> None: ...


def failed(request: LLMRequest, error: str, latency_s: float = 0.0) -> LLMResponse:
    return LLMResponse(
        request_id=request.request_id, cache_key="", text=None, error=error, latency_s=latency_s
    )
