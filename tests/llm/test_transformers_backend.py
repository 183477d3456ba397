"""The transformers backend, for real, on the tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.llm.backends.transformers_backend import TransformersBackend
from mammoth_assets.llm.structured import check_text
from mammoth_assets.llm.types import LLMRequest, SamplingParams


@pytest.fixture(scope="module")
def backend(tiny_model: Path) -> TransformersBackend:
    import torch

    torch.set_num_threads(1)
    engine = TransformersBackend(tiny_model, batch_size=4)
    engine.load()
    return engine


def ask(content: str, **sampling) -> LLMRequest:
    return LLMRequest(
        request_id=content, messages=[{"role": "user", "content": content}], sampling=SamplingParams(**sampling)
    )


def run(backend, requests):
    answers = {index: answer for group in backend.generate(requests) for index, answer in group}
    return [answers[i] for i in range(len(requests))]


def test_greedy_is_deterministic_and_counts_tokens(backend):
    request = ask("What is 3 + 4?", max_tokens=8)
    first, second = run(backend, [request, request])
    assert first.text == second.text and first.ok
    assert first.finish_reason == "length" and first.completion_tokens == 8
    rendered = backend.tokenizer.apply_chat_template(request.messages, tokenize=False, add_generation_prompt=True)
    assert first.prompt_tokens == backend.count_tokens(rendered)


def test_generation_leaves_global_torch_state_alone(backend):
    import torch

    run(backend, [ask("hello", max_tokens=2)])
    assert torch.is_grad_enabled()  # training code in the same process must keep autograd


def test_seeded_sampling_is_reproducible_and_seed_dependent(backend):
    a = run(backend, [ask("tell me", max_tokens=12, temperature=1.0, seed=7)])[0]
    b = run(backend, [ask("tell me", max_tokens=12, temperature=1.0, seed=7)])[0]
    c = run(backend, [ask("tell me", max_tokens=12, temperature=1.0, seed=8)])[0]
    assert a.text == b.text
    assert a.text != c.text


def test_raw_prompts_and_mixed_sampling_come_back_in_request_order(backend):
    requests = [
        LLMRequest("raw", prompt="Question: 1 + 1 =", sampling=SamplingParams(max_tokens=3)),
        ask("long one " * 10, max_tokens=5),
        ask("short", max_tokens=2),
    ]
    answers = run(backend, requests)
    assert [a.request_id for a in answers] == ["raw", requests[1].request_id, "short"]
    assert [a.completion_tokens for a in answers] == [3, 5, 2]


def test_stop_sequences_cut_the_text(backend):
    sampled = run(backend, [ask("anything", max_tokens=40, temperature=1.0, seed=3)])[0]
    assert len(sampled.text) > 4
    stop = sampled.text[2:4]
    cut = run(backend, [ask("anything", max_tokens=40, temperature=1.0, seed=3, stop=(stop,))])[0]
    assert cut.finish_reason == "stop"
    assert stop not in cut.text and sampled.text.startswith(cut.text)


def test_json_schema_and_regex_give_well_formed_output_from_a_random_model(backend):
    schema = {
        "type": "object",
        "properties": {
            "question": {"type": "string"},
            "answer": {"type": "string"},
            "void": {"type": "boolean"},
        },
        "required": ["question", "answer", "void"],
    }
    requests = [
        LLMRequest(f"j{i}", messages=[{"role": "user", "content": f"page {i}"}], json_schema=schema,
                   sampling=SamplingParams(max_tokens=40, temperature=1.0, seed=i))
        for i in range(4)
    ] + [
        LLMRequest(f"r{i}", messages=[{"role": "user", "content": f"rate {i}"}], regex=r"[0-5](\.[05])?\n[^\n]*",
                   sampling=SamplingParams(max_tokens=12, temperature=1.0, seed=i))
        for i in range(4)
    ]
    for request, answer in zip(requests, run(backend, requests)):
        parsed, error = check_text(answer.text, request.json_schema, request.regex)
        assert error is None, (answer.text, error)
        assert answer.completion_tokens <= request.sampling.max_tokens
        if request.json_schema:
            assert set(parsed) == {"question", "answer", "void"}


def test_constrained_generation_reaches_non_ascii_text(backend):
    """Under a schema, the tiny model's byte-level BPE spells é π × √ ж 中 byte by byte."""
    symbols = ["é", "π", "×", "√", "ж", "中"]
    schema = {"type": "object", "required": ["symbol", "text"], "properties": {
        "symbol": {"enum": symbols}, "text": {"type": "string", "pattern": "^[éπ×√ж中 ]{3,8}$"}}}
    requests = [
        LLMRequest(f"n{i}", messages=[{"role": "user", "content": f"symbols {i}"}], json_schema=schema,
                   sampling=SamplingParams(max_tokens=60, temperature=1.0, seed=i))
        for i in range(4)
    ] + [LLMRequest("literal", prompt="say it", regex="é π × √ ж 中", sampling=SamplingParams(max_tokens=30))]
    answers = run(backend, requests)
    produced = ""
    for request, answer in zip(requests, answers):
        parsed, error = check_text(answer.text, request.json_schema, request.regex)
        assert answer.ok and error is None, (answer.text, error)
        if parsed is not None:
            produced += parsed["symbol"] + parsed["text"]
    assert answers[-1].text == "é π × √ ж 中" and answers[-1].finish_reason == "stop"
    assert len(set(produced) & set(symbols)) >= 3


def test_per_request_failures_do_not_sink_the_batch(backend):
    too_long = ask("x " * 5000, max_tokens=4)
    impossible = LLMRequest("tight", messages=[{"role": "user", "content": "q"}],
                            json_schema={"type": "object", "properties": {"a_long_property_name": {"type": "string"}},
                                         "required": ["a_long_property_name"]},
                            sampling=SamplingParams(max_tokens=3))
    fine = ask("fine", max_tokens=3)
    long_answer, tight_answer, fine_answer = run(backend, [too_long, impossible, fine])
    assert "exceeds max_model_len" in long_answer.error and long_answer.text is None
    assert "too small for the output constraint" in tight_answer.error
    assert fine_answer.ok and fine_answer.completion_tokens == 3
