-- web_document_texts: text and record ids of the documents that may go on: round-1 score at or
-- above the recall floor, or in the stable random sample (round-2 negatives).
CREATE TABLE IF NOT EXISTS web_document_texts (
    dump VARCHAR NOT NULL,
    shard VARCHAR NOT NULL,
    shard_key VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    host VARCHAR,
    title VARCHAR,
    text VARCHAR NOT NULL,
    wet_record_id VARCHAR NOT NULL,
    warc_record_id VARCHAR,
    fetch_time TIMESTAMPTZ,
    text_reason VARCHAR NOT NULL
)
