-- Who is answering which uncached request right now: a lease another run waits on instead of
-- paying for the same request. `expires_at` is renewed while the owner works; a dead owner's
-- claims lapse at expiry (or at once when its process is gone on this host).
CREATE TABLE IF NOT EXISTS llm_claims (
    cache_key VARCHAR PRIMARY KEY,
    owner VARCHAR,
    host VARCHAR,
    pid BIGINT,
    stage VARCHAR,
    claimed_at TIMESTAMP,
    expires_at TIMESTAMP
)
