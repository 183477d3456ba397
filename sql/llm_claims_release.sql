DELETE FROM llm_claims
WHERE owner = $owner AND cache_key IN (SELECT unnest($keys::VARCHAR[]))
