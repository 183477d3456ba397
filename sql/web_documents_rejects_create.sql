-- web_documents_rejects: every WET record (or whole file) that did not become a document, and why.
CREATE TABLE IF NOT EXISTS web_documents_rejects (
    dump VARCHAR NOT NULL,
    shard VARCHAR NOT NULL,
    shard_key VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    record_id VARCHAR,
    "offset" BIGINT,
    reason VARCHAR NOT NULL,
    detail VARCHAR
)
