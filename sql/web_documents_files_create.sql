-- web_documents_files: per WET file of a shard, records seen, documents kept, records rejected.
CREATE TABLE IF NOT EXISTS web_documents_files (
    dump VARCHAR NOT NULL,
    shard VARCHAR NOT NULL,
    shard_key VARCHAR NOT NULL,
    file_index INTEGER NOT NULL,
    wet_file VARCHAR NOT NULL,
    records BIGINT NOT NULL,
    documents BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    compressed_bytes BIGINT,
    text_bytes BIGINT,
    seconds DOUBLE,
    download_attempts INTEGER,
    resumed INTEGER,
    from_cache BOOLEAN,
    deleted_after_read BOOLEAN,
    error VARCHAR
)
