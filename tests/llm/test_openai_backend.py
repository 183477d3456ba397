"""The openai backend (the official `openai` SDK) against real HTTP servers on 127.0.0.1: the
project's OpenAI-compatible server over the tiny model (`mammoth serve-llm`), and a misbehaving
server in front of it (500s, 429s with Retry-After, hangs, drops, a 401 that echoes the key)."""

from __future__ import annotations

import httpx
import pytest

from mammoth_assets.llm import LLMResource, SamplingParams
from mammoth_assets.llm.types import LLMRequest

from .faulty_server import FaultyServer


def requests_(n: int, prefix: str = "q") -> list[LLMRequest]:
    return [
        LLMRequest(f"{prefix}{i}", messages=[{"role": "user", "content": f"{prefix} number {i}"}],
                   sampling=SamplingParams(max_tokens=5))
        for i in range(n)
    ]


def client(base_url: str, **overrides) -> LLMResource:
    options = dict(backend="openai", model="tiny", base_url=base_url, max_concurrency=4, timeout_s=20.0, max_retries=3)
    options.update(overrides)
    return LLMResource(**options)


@pytest.fixture
def faulty(llm_server):
    servers = []

    def make(plan, default="forward"):
        upstream = llm_server.base_url.removesuffix("/v1")
        server = FaultyServer(upstream if default == "forward" or "forward" in plan else None, plan, default).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def test_server_speaks_the_openai_protocol(llm_server):
    models = httpx.get(f"{llm_server.base_url}/models").json()
    assert models["data"][0]["id"] == "tiny"
    reply = httpx.post(f"{llm_server.base_url}/chat/completions", json={
        "model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0,
    }, timeout=60).json()
    assert reply["choices"][0]["finish_reason"] == "length"
    assert reply["usage"]["completion_tokens"] == 3
    bad = httpx.post(f"{llm_server.base_url}/chat/completions", json={"model": "tiny", "messages": []}, timeout=60)
    assert bad.status_code == 400


def test_chat_raw_and_structured_requests_through_the_server(llm_server):
    llm = client(llm_server.base_url)
    schema = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}, "confidence": {"type": "number"}}}
    requests = requests_(3) + [
        LLMRequest("raw", prompt="Question: 2 + 2 =", sampling=SamplingParams(max_tokens=4)),
        LLMRequest("json", messages=[{"role": "user", "content": "verdict?"}], json_schema=schema,
                   sampling=SamplingParams(max_tokens=40)),
        LLMRequest("regex", messages=[{"role": "user", "content": "score?"}], regex=r"[0-5](\.[05])?",
                   sampling=SamplingParams(max_tokens=5)),
    ]
    answers = llm.generate(requests, stage="srv")
    assert [a.request_id for a in answers] == [r.request_id for r in requests]
    assert all(a.ok for a in answers), [a.error for a in answers]
    assert answers[0].completion_tokens == 5 and answers[0].prompt_tokens > 0
    assert answers[4].parsed["verdict"] in ("yes", "no")
    assert answers[5].text in {f"{d}{h}" for d in "012345" for h in ("", ".0", ".5")}


def test_retries_through_500s_429s_and_dropped_connections(faulty):
    server = faulty(["500", "drop", "429", "500", "drop"])
    llm = client(server.base_url, max_concurrency=3, max_retries=5)
    answers = llm.generate(requests_(3), stage="flaky")
    assert all(a.ok for a in answers), [a.error for a in answers]
    assert server.actions[:5] == ["500", "drop", "429", "500", "drop"]
    assert server.requests_seen == 8  # 5 injected failures + 3 answers


def test_retry_after_is_honoured(faulty):
    server = faulty(["429:1.5"])
    answers = client(server.base_url, max_concurrency=1).generate(requests_(1, "ra"), stage="ra")
    assert answers[0].ok, answers[0].error
    waited = server.times_seen[1] - server.times_seen[0]
    assert 1.4 <= waited < 5, waited  # the server's 1.5 s, not the SDK's default 0.5 s backoff


def test_structured_outputs_go_out_in_one_current_field(faulty, tmp_path):
    schema = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}}, "required": ["verdict"]}
    json_request = LLMRequest("j", messages=[{"role": "user", "content": "v?"}], json_schema=schema,
                              sampling=SamplingParams(max_tokens=20))
    regex_request = LLMRequest("r", prompt="score:", regex="[0-5]", sampling=SamplingParams(max_tokens=3))
    vllm_style = faulty([])
    answers = client(vllm_style.base_url, max_concurrency=1).generate([json_request, regex_request], stage="so")
    assert all(a.ok for a in answers), [a.error for a in answers]
    json_body, regex_body = sorted(vllm_style.bodies_seen, key=lambda body: "prompt" in body)  # chat first
    assert json_body["structured_outputs"] == {
        "json": {**schema, "additionalProperties": False}, "disable_any_whitespace": True}
    assert regex_body["structured_outputs"] == {"regex": "[0-5]"}
    for body in (json_body, regex_body):
        assert not {"response_format", "guided_json", "guided_regex"} & set(body)

    hosted_style = faulty([])
    hosted = client(hosted_style.base_url, max_concurrency=1, structured_outputs="openai",
                    cache_path=str(tmp_path / "hosted.duckdb"))  # same requests, not yet cached
    answers = hosted.generate([json_request, regex_request], stage="so-hosted")
    json_body, regex_body = sorted(hosted_style.bodies_seen, key=lambda body: "prompt" in body)
    assert json_body["response_format"]["type"] == "json_schema"
    assert json_body["response_format"]["json_schema"]["strict"] is True
    assert "structured_outputs" not in json_body and "structured_outputs" not in regex_body
    assert answers[0].ok and answers[0].parsed["verdict"] in ("yes", "no")


def test_a_401_that_echoes_the_key_is_stored_and_logged_redacted(faulty, monkeypatch, caplog):
    key = "sk-live-echoed-0123456789abcdef"
    monkeypatch.setenv("MY_PROVIDER_KEY", key)
    server = faulty([], default="401echo")
    llm = client(server.base_url, api_key_env="MY_PROVIDER_KEY", max_retries=2)
    lines: list[str] = []

    class Log:
        def info(self, message): lines.append(message)
        warning = error = debug = info

    with caplog.at_level("DEBUG"):
        answers = llm.generate(requests_(2, "auth"), stage="auth", log=Log())
    assert server.headers_seen[0]["authorization"] == f"Bearer {key}"  # the key was really sent
    assert server.requests_seen == 2  # a 401 is final: no retries
    for answer in answers:
        assert "HTTP 401" in answer.error and "[REDACTED]" in answer.error and key not in answer.error
    stored = llm.cache().entries()
    assert stored.height == 2 and "[REDACTED]" in stored["error"][0]
    everywhere = stored.write_csv() + repr(llm.usage_metadata(answers)) + "\n".join(lines) + caplog.text
    assert key not in everywhere and key[:12] not in everywhere


def test_a_hanging_server_times_out_and_the_request_is_retried(faulty):
    server = faulty(["hang"])
    llm = client(server.base_url, timeout_s=1.0, max_concurrency=1)
    answers = llm.generate(requests_(2, "h"), stage="hang")
    assert all(a.ok for a in answers), [a.error for a in answers]
    assert server.actions[:3] == ["hang", "forward", "forward"]


def test_persistent_failures_are_recorded_then_sent_again_next_run(faulty, llm_server, monkeypatch):
    monkeypatch.setenv("MY_SECRET_KEY", "sk-test-do-not-log-12345")
    broken = faulty([], default="500")
    llm = client(broken.base_url, max_retries=1, api_key_env="MY_SECRET_KEY")
    answers = llm.generate(requests_(2, "p"), stage="down")
    assert [a.ok for a in answers] == [False, False]
    assert all("HTTP 500" in a.error and "after 2 attempt(s)" in a.error for a in answers)
    assert broken.requests_seen == 4
    assert broken.headers_seen[0]["authorization"] == "Bearer sk-test-do-not-log-12345"
    usage = llm.usage_metadata(answers)
    assert usage["llm_failures"] == 2
    entries = llm.cache().entries()
    assert entries["error"].null_count() == 0
    assert "sk-test" not in entries.write_csv()
    assert "sk-test" not in repr(llm.settings())

    # the server recovers: the failed requests are sent again and now answered
    healthy = llm.with_model("tiny", base_url=llm_server.base_url)
    again = healthy.generate(requests_(2, "p"), stage="down")
    assert all(a.ok and not a.cached for a in again)
    assert healthy.generate(requests_(2, "p"), stage="down")[0].cached


def test_client_errors_are_not_retried(faulty, llm_server):
    server = faulty([])
    llm = client(server.base_url, max_retries=3)
    empty = LLMRequest("empty", messages=[], sampling=SamplingParams(max_tokens=3))
    tight = LLMRequest("tight", messages=[{"role": "user", "content": "x"}], sampling=SamplingParams(max_tokens=3),
                       json_schema={"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]})
    answers = llm.generate([empty, tight], stage="bad")
    for answer in answers:
        assert "HTTP 400" in answer.error and "after 1 attempt(s)" in answer.error
    assert "too small for the output constraint" in answers[1].error
    assert server.requests_seen == 2
