CREATE TABLE IF NOT EXISTS llm_calls (
    call_id VARCHAR,
    stage VARCHAR,
    backend VARCHAR,
    model_id VARCHAR,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    requests BIGINT,
    unique_requests BIGINT,
    cache_hits BIGINT,
    backend_requests BIGINT,
    failures BIGINT,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    backend_seconds DOUBLE
)
