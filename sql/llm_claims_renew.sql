UPDATE llm_claims SET expires_at = $expires_at WHERE owner = $owner
