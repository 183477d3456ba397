from __future__ import annotations

import dataclasses

from mammoth_assets.llm.cache import CACHE_FILE_NAME, RequestCache, cache_key, default_cache_path
from mammoth_assets.llm.types import LLMRequest, LLMResponse, SamplingParams

BASE = LLMRequest(
    request_id="doc-1:extract",
    messages=[{"role": "user", "content": "Find the QA pairs."}],
    sampling=SamplingParams(max_tokens=64),
    json_schema={"type": "object", "properties": {"q": {"type": "string"}}},
    prompt_version="extract@abc",
)


def test_key_ignores_request_id_and_follows_every_key_field():
    key = cache_key(BASE, "model-a")
    assert cache_key(dataclasses.replace(BASE, request_id="other"), "model-a") == key
    variants = [
        (dataclasses.replace(BASE), "model-b"),
        (dataclasses.replace(BASE, messages=[{"role": "user", "content": "Find QA pairs."}]), "model-a"),
        (dataclasses.replace(BASE, sampling=SamplingParams(max_tokens=65)), "model-a"),
        (dataclasses.replace(BASE, sampling=SamplingParams(max_tokens=64, temperature=0.7)), "model-a"),
        (dataclasses.replace(BASE, sampling=SamplingParams(max_tokens=64, stop=("\n",))), "model-a"),
        (dataclasses.replace(BASE, sampling=SamplingParams(max_tokens=64, seed=1)), "model-a"),
        (dataclasses.replace(BASE, json_schema=None), "model-a"),
        (dataclasses.replace(BASE, regex="(yes|no)"), "model-a"),
        (dataclasses.replace(BASE, prompt_version="extract@def"), "model-a"),
    ]
    keys = {cache_key(request, model) for request, model in variants}
    assert key not in keys and len(keys) == len(variants)


def test_cache_sits_beside_the_warehouse(isolated_data_dir):
    assert default_cache_path() == isolated_data_dir / CACHE_FILE_NAME
    assert RequestCache().path == isolated_data_dir / CACHE_FILE_NAME


def test_answers_are_served_failures_are_not_and_a_success_replaces_a_failure(tmp_path):
    cache = RequestCache(tmp_path / "c.duckdb")
    ok = dataclasses.replace(BASE, request_id="ok", messages=[{"role": "user", "content": "ok"}])
    bad = dataclasses.replace(BASE, request_id="bad", messages=[{"role": "user", "content": "bad"}])
    ok_key, bad_key = cache_key(ok, "m"), cache_key(bad, "m")
    cache.store(
        [
            (ok, LLMResponse("ok", ok_key, '{"q":"x"}', parsed={"q": "x"}, finish_reason="stop",
                             prompt_tokens=5, completion_tokens=3, model_id="m")),
            (bad, LLMResponse("bad", bad_key, None, error="HTTP 500", model_id="m")),
        ],
        stage="extracted_qa",
    )
    found = cache.lookup([ok_key, bad_key])
    assert set(found) == {ok_key}
    assert found[ok_key].parsed == {"q": "x"} and found[ok_key].cached
    assert found[ok_key].completion_tokens == 3
    cache.store([(bad, LLMResponse("bad", bad_key, "fixed", finish_reason="stop", model_id="m"))], stage="extracted_qa")
    assert cache.lookup([bad_key])[bad_key].text == "fixed"
    entries = cache.entries()
    assert entries.height == 2
    assert dict(zip(entries["cache_key"], entries["attempts"])) == {ok_key: 1, bad_key: 2}
    summary = cache.summary().row(0, named=True)
    assert summary["stage"] == "extracted_qa" and summary["answered"] == 2 and summary["failed"] == 0


def test_cli_summarises_the_cache(tmp_path, capsys):
    from mammoth_assets.cli import main

    cache = RequestCache(tmp_path / "c.duckdb")
    request = dataclasses.replace(BASE, request_id="one")
    key = cache_key(request, "m")
    cache.store([(request, LLMResponse("one", key, "text", prompt_tokens=7, completion_tokens=2, model_id="m"))],
                stage="extracted_qa")
    cache.record_call({"call_id": "c1", "stage": "extracted_qa", "backend": "transformers", "model_id": "m",
                       "requests": 1, "cache_hits": 0, "backend_requests": 1})
    assert main(["llm-cache", "--path", str(tmp_path / "c.duckdb"), "--stage", "extracted_qa"]) == 0
    out = capsys.readouterr().out
    assert "extracted_qa" in out and "transformers" in out
    summary = cache.summary().row(0, named=True)
    assert (summary["entries"], summary["prompt_tokens"], summary["completion_tokens"]) == (1, 7, 2)


def test_claims_make_other_owners_wait_and_lapse_when_the_owner_stops(tmp_path):
    import time

    import polars as pl

    cache = RequestCache(tmp_path / "c.duckdb")
    requests = [dataclasses.replace(BASE, request_id=f"r{i}", messages=[{"role": "user", "content": str(i)}])
                for i in range(4)]
    keys = [cache_key(r, "m") for r in requests]
    assert sorted(cache.claim(keys[:3], "run-a", "s", lease_s=60)) == sorted(keys[:3])
    assert cache.claim(keys, "run-b", "s", lease_s=60) == [keys[3]]  # the rest are held by run-a
    assert cache.claimed(keys) == set(keys)
    # an answer releases its claim in the same transaction; answered keys are never claimed again
    cache.store([(requests[0], LLMResponse("r0", keys[0], "x", model_id="m"))], "s", owner="run-a")
    assert cache.claimed(keys) == set(keys[1:])
    cache.release("run-b")
    assert cache.claim(keys, "run-c", "s", lease_s=60) == [keys[3]]
    # a lease that is not renewed lapses; then another owner takes the requests over
    cache.renew("run-a", lease_s=0.05)
    time.sleep(0.1)
    assert sorted(cache.claim(keys, "run-c", "s", lease_s=60)) == sorted(keys[1:])
    # a claim whose process is gone on this host is dropped at once, whatever its lease
    with cache.store_.transaction() as con:
        con.execute("UPDATE llm_claims SET owner = 'dead', pid = 999999999 WHERE cache_key = $k", {"k": keys[1]})
    assert keys[1] not in cache.claimed(keys)
    assert keys[1] in cache.claim(keys, "run-d", "s", lease_s=60)
    owners = cache.claims().group_by("owner").agg(pl.len()).sort("owner")
    assert owners["owner"].to_list() == ["run-c", "run-d"]
