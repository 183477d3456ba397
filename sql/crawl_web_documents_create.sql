-- web_documents: one row per text document of a dump, with its provenance in the WET/WARC files.
CREATE TABLE IF NOT EXISTS web_documents (
    dump VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    host VARCHAR,
    domain VARCHAR,
    language VARCHAR,
    title VARCHAR,
    text VARCHAR NOT NULL,
    length_chars BIGINT NOT NULL,
    wet_file VARCHAR NOT NULL,
    wet_record_id VARCHAR NOT NULL,
    wet_offset BIGINT NOT NULL,
    warc_file VARCHAR,
    warc_record_id VARCHAR,
    fetch_time TIMESTAMPTZ
)
