"""LLMResource end to end on the tiny model: order, dedup, cache hits, env overrides, Dagster."""


from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.llm import LLMResource, SamplingParams, load_prompt
from mammoth_assets.llm.tiny_model import TINY_MODEL_ID
from mammoth_assets.llm.types import LLMRequest


def questions(n: int, max_tokens: int = 6) -> list[LLMRequest]:
    template = load_prompt("echo_example")
    return [
        template.request(f"row-{i}", sampling=SamplingParams(max_tokens=max_tokens), question=f"What is {i} + {i}?")
        for i in range(n)
    ]


def test_answers_in_order_duplicates_sent_once_second_run_all_from_cache(llm: LLMResource):
    requests = questions(5)
    requests.append(LLMRequest("dup-of-row-2", messages=requests[2].messages, sampling=requests[2].sampling,
                               prompt_version=requests[2].prompt_version))
    first = llm.generate(requests, stage="toy")
    assert [r.request_id for r in first] == [r.request_id for r in requests]
    assert all(r.ok and not r.cached for r in first)
    assert first[5].text == first[2].text and first[5].cache_key == first[2].cache_key
    usage = llm.usage_metadata(first)
    assert usage["llm_requests"] == 6 and usage["llm_backend_requests"] == 5
    assert usage["llm_completion_tokens"] == 36 and usage["llm_failures"] == 0

    # new request ids, same content: the key ignores ids, so nothing is sent
    again = llm.generate([LLMRequest(f"new-{r.request_id}", messages=r.messages, sampling=r.sampling,
                                     prompt_version=r.prompt_version) for r in requests], stage="toy")
    assert all(r.cached for r in again)
    assert [r.text for r in again] == [r.text for r in first]
    assert again[0].request_id == "new-row-0"
    assert llm.usage_metadata(again)["llm_cache_hit_rate"] == 1.0
    calls = llm.cache().calls("toy")
    assert calls["backend_requests"].to_list() == [5, 0]
    assert calls["cache_hits"].to_list() == [0, 6]


def test_changing_the_prompt_version_or_model_id_misses_the_cache(llm: LLMResource):
    requests = questions(2)
    llm.generate(requests, stage="toy")
    edited = [LLMRequest(r.request_id, messages=r.messages, sampling=r.sampling, prompt_version="edited")
              for r in requests]
    assert not any(r.cached for r in llm.generate(edited, stage="toy"))
    renamed = llm.with_model(llm.model, model_id="tiny-renamed")
    assert not any(r.cached for r in renamed.generate(requests, stage="toy"))
    assert all(r.cached for r in llm.generate(requests, stage="toy"))


def test_schema_failures_are_recorded_with_raw_text_and_retried_next_run(llm: LLMResource):
    # a regex Python reads differently from what the tiny model may emit is impossible to meet
    # without constraints; here the constraint is fine but max_tokens is too small: a failure
    tight = LLMRequest("tight", messages=[{"role": "user", "content": "q"}],
                       json_schema={"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
                       sampling=SamplingParams(max_tokens=4))
    first = llm.generate([tight], stage="toy")[0]
    assert not first.ok and "too small" in first.error
    second = llm.generate([tight], stage="toy")[0]
    assert not second.cached  # failures are sent again
    entries = llm.cache().entries()
    assert entries.filter(entries["cache_key"] == first.cache_key)["attempts"].to_list() == [2]
    assert "llm_failure_reasons" in llm.usage_metadata([first])


def test_environment_overrides_fields_left_at_default(monkeypatch, tiny_model: Path):
    monkeypatch.setenv("MAMMOTH_LLM_BACKEND", "openai")
    monkeypatch.setenv("MAMMOTH_LLM_BASE_URL", "http://10.0.0.5:8000/v1")
    monkeypatch.setenv("MAMMOTH_LLM_MAX_CONCURRENCY", "64")
    settings = LLMResource().settings()
    assert settings.backend == "openai" and settings.base_url == "http://10.0.0.5:8000/v1"
    assert settings.max_concurrency == 64
    assert settings.model_id == TINY_MODEL_ID
    monkeypatch.setenv("MAMMOTH_LLM_MODEL", "Qwen/Qwen2-72B-Instruct")
    assert LLMResource().settings().model_id == "Qwen/Qwen2-72B-Instruct"
    # an explicitly chosen model is kept
    assert LLMResource().with_model("mistralai/Mixtral-8x22B").settings().model == "mistralai/Mixtral-8x22B"
    monkeypatch.setenv("MAMMOTH_LLM_MAX_RETRIES", "many")
    with pytest.raises(ValueError, match="MAMMOTH_LLM_MAX_RETRIES"):
        LLMResource().settings()


def test_default_model_is_the_tiny_model_built_on_demand(isolated_data_dir: Path):
    settings = LLMResource().settings()
    assert settings.model == str(isolated_data_dir / "models" / "tiny-chat")
    assert settings.model_id == TINY_MODEL_ID
    assert settings.cache_path == str(isolated_data_dir / "llm_cache.duckdb")


def test_rematerialising_an_asset_makes_zero_backend_calls(llm: LLMResource):
    @dg.asset
    def toy_answers(context: dg.AssetExecutionContext, llm: LLMResource) -> dg.MaterializeResult:
        responses = llm.generate(questions(4), stage="toy_answers", log=context.log)
        return dg.MaterializeResult(metadata=llm.usage_metadata(responses))

    instance = dg.DagsterInstance.ephemeral()
    results = [dg.materialize([toy_answers], resources={"llm": llm}, instance=instance) for _ in range(2)]
    metadata = [
        r.asset_materializations_for_node("toy_answers")[0].metadata for r in results
    ]
    assert metadata[0]["llm_backend_requests"].value == 4
    assert metadata[1]["llm_backend_requests"].value == 0
    assert metadata[1]["llm_cache_hit_rate"].value == 1.0
    assert llm.cache().calls("toy_answers")["backend_requests"].to_list() == [4, 0]
