-- Rows stored under one shard key that do not belong to it: a WET file that is not one of that
-- shard's selected files, null keys, or file stats that do not match the shard's files.
SELECT
    (SELECT count(*) FROM web_documents WHERE shard_key = $shard_key) AS documents,
    (SELECT count(*) FROM web_documents d
      WHERE d.shard_key = $shard_key
        AND d.file_index NOT IN (SELECT file_index FROM wet_files WHERE dump = $dump AND shard = $shard)) AS foreign_file_rows,
    (SELECT count(*) FROM web_documents WHERE shard_key = $shard_key AND (dump <> $dump OR shard <> $shard)) AS mislabelled_rows,
    (SELECT count(*) FROM web_documents_files WHERE shard_key = $shard_key) AS file_stats,
    (SELECT count(*) FROM wet_files WHERE dump = $dump AND shard = $shard) AS selected_files
