CREATE TABLE IF NOT EXISTS llm_cache (
    cache_key VARCHAR PRIMARY KEY,
    model_id VARCHAR,
    prompt_version VARCHAR,
    stage VARCHAR,
    request_json VARCHAR,
    text VARCHAR,
    parsed_json VARCHAR,
    finish_reason VARCHAR,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    latency_s DOUBLE,
    error VARCHAR,
    attempts INTEGER,
    created_at TIMESTAMP
)
