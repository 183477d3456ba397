SELECT cache_key, text, parsed_json, finish_reason, prompt_tokens, completion_tokens, latency_s
FROM llm_cache
WHERE error IS NULL AND cache_key IN (SELECT unnest($keys::VARCHAR[]))
