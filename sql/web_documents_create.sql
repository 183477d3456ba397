-- web_documents: one compact row per document of a shard (no text): what every later stage and
-- check needs. The WET/WARC file names are in wet_files (join on dump, file_index).
CREATE TABLE IF NOT EXISTS web_documents (
    dump VARCHAR NOT NULL,
    shard VARCHAR NOT NULL,
    shard_key VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    domain VARCHAR,
    language VARCHAR,
    length_chars BIGINT NOT NULL,
    file_index INTEGER NOT NULL,
    wet_offset BIGINT NOT NULL
)
