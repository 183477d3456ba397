INSERT INTO llm_cache BY NAME
SELECT * FROM _incoming
ON CONFLICT (cache_key) DO UPDATE SET
    model_id = excluded.model_id,
    prompt_version = excluded.prompt_version,
    stage = excluded.stage,
    request_json = excluded.request_json,
    text = excluded.text,
    parsed_json = excluded.parsed_json,
    finish_reason = excluded.finish_reason,
    prompt_tokens = excluded.prompt_tokens,
    completion_tokens = excluded.completion_tokens,
    latency_s = excluded.latency_s,
    error = excluded.error,
    attempts = llm_cache.attempts + excluded.attempts,
    created_at = excluded.created_at
