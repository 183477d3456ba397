-- Rows into the web_documents stage of one shard: one row per WET record seen, by file (the
-- per-file record counts of web_documents_files).
SELECT f.wet_file
FROM web_documents_files f, range(f.records)
WHERE f.shard_key = $shard_key
