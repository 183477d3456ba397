-- Lapsed leases, and every lease of owners known to be dead.
DELETE FROM llm_claims
WHERE expires_at < $now OR owner IN (SELECT unnest($dead_owners::VARCHAR[]))
