-- Per WET file of one dump: records seen (file stats) against documents and rejects stored.
WITH docs AS (
    SELECT wet_file, count(*) AS stored_documents FROM web_documents WHERE dump = $dump GROUP BY wet_file
), rejects AS (
    SELECT file AS wet_file, count(*) AS stored_rejects FROM web_documents_rejects WHERE dump = $dump GROUP BY file
)
SELECT f.wet_file, f.records, coalesce(d.stored_documents, 0) AS stored_documents,
       coalesce(r.stored_rejects, 0) AS stored_rejects,
       f.records - coalesce(d.stored_documents, 0) - coalesce(r.stored_rejects, 0) AS unaccounted
FROM web_documents_files f
LEFT JOIN docs d USING (wet_file)
LEFT JOIN rejects r USING (wet_file)
WHERE f.dump = $dump
ORDER BY f.wet_file
