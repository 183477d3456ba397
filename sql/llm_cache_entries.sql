SELECT * FROM llm_cache ORDER BY created_at, cache_key
