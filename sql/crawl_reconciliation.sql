-- Per WET file of one shard: records seen (file stats) against documents and rejects stored.
WITH docs AS (
    SELECT file_index, count(*) AS stored_documents FROM web_documents WHERE shard_key = $shard_key GROUP BY file_index
), rejects AS (
    SELECT file AS wet_file, count(*) AS stored_rejects FROM web_documents_rejects WHERE shard_key = $shard_key GROUP BY file
)
SELECT f.wet_file, f.records, coalesce(d.stored_documents, 0) AS stored_documents,
       coalesce(r.stored_rejects, 0) AS stored_rejects,
       f.records - coalesce(d.stored_documents, 0) - coalesce(r.stored_rejects, 0) AS unaccounted
FROM web_documents_files f
LEFT JOIN docs d USING (file_index)
LEFT JOIN rejects r USING (wet_file)
WHERE f.shard_key = $shard_key
ORDER BY f.file_index
