-- web_documents_files: per WET file of a dump, records seen, documents kept, records rejected.
CREATE TABLE IF NOT EXISTS web_documents_files (
    dump VARCHAR NOT NULL,
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
    error VARCHAR
)
