SELECT * FROM llm_claims ORDER BY cache_key
