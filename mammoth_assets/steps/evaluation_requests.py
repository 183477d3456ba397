"""Benchmark prompts rendered into LLM requests: `core/evaluation.py` plans each prompt as plain
data (template, variables, stop strings); this renders it through the versioned templates in
`llm/prompts/` (a template edit changes the cache key) with greedy sampling."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

from mammoth_assets.core.benchmarks import BenchmarkItem
from mammoth_assets.core.evaluation import PlannedPrompt, cot_prompts, pot_prompts
from mammoth_assets.core.fewshot import FewShotContext
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import LLMRequest, SamplingParams


@dataclass(frozen=True)
class PromptedItem:
    item: BenchmarkItem
    index: int  # position in the evaluated list
    request: LLMRequest
    prompt_text: str

    @property
    def prompt_hash(self) -> str:
        return hashlib.sha256(self.prompt_text.encode("utf-8")).hexdigest()


def render(planned: PlannedPrompt, *, max_tokens: int, use_chat: bool = False) -> PromptedItem:
    """The request for one planned prompt: greedy, up to `max_tokens`, as a raw completion prompt
    or (`use_chat`) one user message."""
    template = load_prompt(planned.template)
    text = template.render(**planned.variables)[0]["content"]
    sampling = SamplingParams(temperature=0.0, max_tokens=max_tokens, stop=planned.stop)
    version = f"{template.name}@{template.version}"
    if use_chat:
        request = LLMRequest(planned.request_id, messages=[{"role": "user", "content": text}],
                             sampling=sampling, prompt_version=version)
    else:
        request = LLMRequest(planned.request_id, prompt=text, sampling=sampling, prompt_version=version)
    return PromptedItem(planned.item, planned.index, request, text)


def cot_requests(items: Sequence[BenchmarkItem], context: FewShotContext, *, max_tokens: int,
                 use_chat: bool = False, partition: str = "") -> list[PromptedItem]:
    """Greedy few-shot CoT requests, one per item."""
    return [render(p, max_tokens=max_tokens, use_chat=use_chat)
            for p in cot_prompts(items, context, partition=partition)]


def pot_requests(items: Sequence[BenchmarkItem], *, max_tokens: int, use_chat: bool = False,
                 partition: str = "") -> list[PromptedItem]:
    """Program-of-thought requests (hybrid decoding asks for a program first)."""
    return [render(p, max_tokens=max_tokens, use_chat=use_chat)
            for p in pot_prompts(items, partition=partition)]
