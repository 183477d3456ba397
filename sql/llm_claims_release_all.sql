DELETE FROM llm_claims WHERE owner = $owner
