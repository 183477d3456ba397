-- Claim the incoming keys that nobody holds and that have no answer yet.
INSERT INTO llm_claims BY NAME
SELECT * FROM _incoming
WHERE cache_key NOT IN (SELECT cache_key FROM llm_cache WHERE error IS NULL)
ON CONFLICT DO NOTHING
