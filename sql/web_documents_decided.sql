-- Decided records of one shard: stored documents (kept) and rejects (their reason), by WET file.
SELECT f.wet_file, 'kept' AS decision
FROM web_documents d
JOIN web_documents_files f ON f.shard_key = d.shard_key AND f.file_index = d.file_index
WHERE d.shard_key = $shard_key
UNION ALL
SELECT file AS wet_file, reason AS decision
FROM web_documents_rejects
WHERE shard_key = $shard_key
