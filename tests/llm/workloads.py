"""Requests shared by the tests that run the same mixed workload on several engines (the vLLM
engine, a vLLM server): chats, a raw prompt, a JSON schema and a regex whose languages are finite,
so even a random model always finishes them."""

from __future__ import annotations

from mammoth_assets.llm import LLMRequest, LLMResponse, SamplingParams
from mammoth_assets.llm.structured import check_text

VERDICT_SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}}, "required": ["verdict"]}
SCORE_REGEX = r"[0-5](\.[05])?"


def mixed_requests(chats: int) -> list[LLMRequest]:
    """`chats` chat requests, then a raw prompt, a JSON-schema request and a regex request."""
    return [
        LLMRequest(f"chat{i}", messages=[{"role": "user", "content": f"question {i}"}],
                   sampling=SamplingParams(max_tokens=8)) for i in range(chats)
    ] + [
        LLMRequest("raw", prompt="Question: 1 + 1 =", sampling=SamplingParams(max_tokens=4)),
        LLMRequest("json", messages=[{"role": "user", "content": "verdict?"}], json_schema=VERDICT_SCHEMA,
                   sampling=SamplingParams(max_tokens=30)),
        LLMRequest("regex", messages=[{"role": "user", "content": "score?"}], regex=SCORE_REGEX,
                   sampling=SamplingParams(max_tokens=5)),
    ]


def assert_mixed_answers(requests: list[LLMRequest], answers: list[LLMResponse]) -> None:
    """In order, all answered, token counts within budget, and the structured outputs compact and
    inside their languages (an engine that ignored the constraint would not produce these)."""
    assert [a.request_id for a in answers] == [r.request_id for r in requests]
    assert all(a.ok for a in answers), [(a.request_id, a.error) for a in answers if not a.ok]
    assert answers[0].prompt_tokens > 0 and 0 < answers[0].completion_tokens <= 8
    assert answers[-3].completion_tokens <= 4
    verdict = answers[-2].parsed["verdict"]
    assert verdict in ("yes", "no") and answers[-2].text == f'{{"verdict":"{verdict}"}}'
    assert check_text(answers[-1].text, None, SCORE_REGEX)[1] is None
