-- recalled_documents: the round-2 score of every document of a shard; text and provenance only
-- for the kept ones (what extraction reads).
CREATE TABLE IF NOT EXISTS recalled_documents (
    dump VARCHAR NOT NULL, shard VARCHAR NOT NULL, shard_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL,
    url VARCHAR, host VARCHAR, domain VARCHAR, language VARCHAR, title VARCHAR, text VARCHAR,
    length_chars BIGINT, file_index INTEGER, wet_file VARCHAR, wet_record_id VARCHAR, wet_offset BIGINT,
    warc_file VARCHAR, warc_record_id VARCHAR, fetch_time TIMESTAMPTZ,
    score FLOAT, decision VARCHAR, decision_detail VARCHAR, threshold DOUBLE, classifier_sha256 VARCHAR
);
-- A warehouse written before decision stages gains the columns (old rows: NULL until re-materialized).
ALTER TABLE recalled_documents ADD COLUMN IF NOT EXISTS decision VARCHAR;
ALTER TABLE recalled_documents ADD COLUMN IF NOT EXISTS decision_detail VARCHAR
