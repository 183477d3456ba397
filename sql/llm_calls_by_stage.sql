SELECT * FROM llm_calls WHERE stage = $stage ORDER BY started_at
