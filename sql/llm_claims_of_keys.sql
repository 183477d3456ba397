SELECT cache_key, owner, host, pid, expires_at
FROM llm_claims
WHERE cache_key IN (SELECT unnest($keys::VARCHAR[]))
